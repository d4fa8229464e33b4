-- WHERE: comparisons, AND / OR / NOT with NULLs, LIKE, BETWEEN, IN, IS NULL.

CREATE TABLE p (id INT64 PRIMARY KEY, name STRING, age INT64, city STRING, KEY by_city (city));
-- ok

INSERT INTO p VALUES
  (1, 'Ada', 36, 'London'),
  (2, 'Alan', 41, 'London'),
  (3, 'Grace', 85, 'New York'),
  (4, 'Edsger', 72, 'Austin'),
  (5, 'Barbara', NULL, 'Boston'),
  (6, 'ada', 20, NULL);
-- affected: 6

SELECT id FROM p WHERE age > 40 ORDER BY id;
-- id
-- 2
-- 3
-- 4

SELECT id FROM p WHERE age >= 41 AND city = 'London';
-- id
-- 2

SELECT id FROM p WHERE age < 30 OR city = 'Austin' ORDER BY id;
-- id
-- 4
-- 6

SELECT id FROM p WHERE city != 'London' ORDER BY id;
-- id
-- 3
-- 4
-- 5

SELECT id FROM p WHERE city <> 'London' ORDER BY id;
-- id
-- 3
-- 4
-- 5

-- NULL compares as unknown, so neither a condition nor its negation keeps the row.
SELECT id FROM p WHERE age > 50 ORDER BY id;
-- id
-- 3
-- 4

SELECT id FROM p WHERE NOT (age > 50) ORDER BY id;
-- id
-- 1
-- 2
-- 6

SELECT id FROM p WHERE age IS NULL;
-- id
-- 5

SELECT id FROM p WHERE city IS NOT NULL AND age IS NOT NULL ORDER BY id;
-- id
-- 1
-- 2
-- 3
-- 4

-- LIKE is case-sensitive; ILIKE is not; % is any run, _ one character.
SELECT id FROM p WHERE name LIKE 'A%' ORDER BY id;
-- id
-- 1
-- 2

SELECT id FROM p WHERE name ILIKE 'a%' ORDER BY id;
-- id
-- 1
-- 2
-- 6

SELECT id FROM p WHERE name LIKE '_da' ORDER BY id;
-- id
-- 1
-- 6

SELECT id FROM p WHERE city NOT LIKE '%o%' ORDER BY id;
-- id
-- 4

SELECT id FROM p WHERE age BETWEEN 36 AND 72 ORDER BY id;
-- id
-- 1
-- 2
-- 4

SELECT id FROM p WHERE age NOT BETWEEN 36 AND 72 ORDER BY id;
-- id
-- 3
-- 6

SELECT id FROM p WHERE city IN ('Boston', 'Austin') ORDER BY id;
-- id
-- 4
-- 5

SELECT id FROM p WHERE id NOT IN (1, 2, 3) ORDER BY id;
-- id
-- 4
-- 5
-- 6

-- NOT IN with a NULL in the list keeps nothing (the answer is unknown).
SELECT id FROM p WHERE id NOT IN (1, NULL);
-- id
-- (0 rows)

-- Comparing across types is an error, not a silent FALSE.
SELECT id FROM p WHERE age = 'old';
-- error CADB0400

-- WHERE must be a condition.
SELECT id FROM p WHERE age;
-- error CADB0400
