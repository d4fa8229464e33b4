-- Aggregates, GROUP BY and HAVING.

CREATE TABLE sales (id INT64 PRIMARY KEY, region STRING, amount INT64, rate FLOAT64);
-- ok

INSERT INTO sales VALUES
  (1, 'north', 100, 1.5),
  (2, 'north', 200, NULL),
  (3, 'south', 50, 0.5),
  (4, 'south', NULL, 2.5),
  (5, 'east', 300, 1.0);
-- affected: 5

-- COUNT(*) counts rows; COUNT(col) counts non-NULL values; SUM / MIN / MAX skip NULLs.
SELECT COUNT(*) AS n, COUNT(amount) AS with_amount, SUM(amount) AS total, MIN(amount) AS lo, MAX(amount) AS hi FROM sales;
-- n | with_amount | total | lo | hi
-- 5 | 4           | 650   | 50 | 300

SELECT AVG(amount) AS avg_amount, SUM(rate) AS rates, AVG(rate) AS avg_rate FROM sales;
-- avg_amount | rates | avg_rate
-- 162.5      | 5.5   | 1.375

SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM sales GROUP BY region ORDER BY region;
-- region | n | total
-- east   | 1 | 300
-- north  | 2 | 300
-- south  | 2 | 50

SELECT region, SUM(amount) AS total FROM sales GROUP BY region HAVING SUM(amount) >= 300 ORDER BY region;
-- region | total
-- east   | 300
-- north  | 300

SELECT region FROM sales GROUP BY region HAVING COUNT(*) > 1 ORDER BY region;
-- region
-- north
-- south

SELECT MIN(region) AS first, MAX(region) AS last FROM sales;
-- first | last
-- east  | south

-- Over no rows: COUNT is 0, the others NULL.
SELECT COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS hi FROM sales WHERE id > 100;
-- n | total | hi
-- 0 | NULL  | NULL

-- A grouped query with no rows has no groups.
SELECT region, COUNT(*) AS n FROM sales WHERE id > 100 GROUP BY region;
-- region | n
-- (0 rows)

-- INT64 sums stay exact beyond 2^53.
CREATE TABLE big (v INT64);
-- ok

INSERT INTO big VALUES (9007199254740993), (9007199254740993), (1);
-- affected: 3

SELECT SUM(v) AS total FROM big;
-- total
-- 18014398509481987

-- Columns outside GROUP BY and aggregates in WHERE are refused.
SELECT region, amount FROM sales GROUP BY region;
-- error CADB0400

SELECT id FROM sales WHERE COUNT(*) > 1;
-- error CADB0400

SELECT COUNT(DISTINCT region) AS n FROM sales;
-- error CADB0400
