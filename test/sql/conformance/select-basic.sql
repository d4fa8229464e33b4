-- SELECT lists: *, columns, expressions, aliases, DISTINCT, no FROM.

CREATE TABLE fruit (id INT64 PRIMARY KEY, name STRING, colour STRING, price FLOAT64, stock INT64);
-- ok

INSERT INTO fruit VALUES
  (1, 'apple', 'red', 0.5, 10),
  (2, 'banana', 'yellow', 0.25, 0),
  (3, 'cherry', 'red', 2.0, 100),
  (4, 'lemon', 'yellow', 0.75, NULL);
-- affected: 4

SELECT * FROM fruit ORDER BY id;
-- id | name   | colour | price | stock
-- 1  | apple  | red    | 0.5   | 10
-- 2  | banana | yellow | 0.25  | 0
-- 3  | cherry | red    | 2.0   | 100
-- 4  | lemon  | yellow | 0.75  | NULL

SELECT name, id FROM fruit ORDER BY id;
-- name   | id
-- apple  | 1
-- banana | 2
-- cherry | 3
-- lemon  | 4

-- Expressions with aliases; arithmetic on NULL is NULL; INT64 with FLOAT64 is FLOAT64.
SELECT name, stock * 2 AS double_stock, price * stock AS value, name || '!' AS shout FROM fruit ORDER BY id;
-- name   | double_stock | value | shout
-- apple  | 20           | 5.0   | apple!
-- banana | 0            | 0.0   | banana!
-- cherry | 200          | 200.0 | cherry!
-- lemon  | NULL         | NULL  | lemon!

-- A table alias qualifies columns.
SELECT f.name AS n FROM fruit f WHERE f.id = 1;
-- n
-- apple

SELECT f.name AS n FROM fruit AS f WHERE f.id = 2;
-- n
-- banana

SELECT DISTINCT colour FROM fruit ORDER BY colour;
-- colour
-- red
-- yellow

-- SELECT without FROM evaluates once.
SELECT 1 + 2 AS three, 'x' AS s, 7 / 2 AS int_div, 7.0 / 2 AS float_div, 1 / 0 AS by_zero, NULL AS nothing;
-- three | s | int_div | float_div | by_zero | nothing
-- 3     | x | 3       | 3.5       | NULL    | NULL

SELECT TRUE AS t, FALSE AS f, NOT TRUE AS nt, 1 < 2 AS lt, 'a' = 'a' AS eq;
-- t    | f     | nt    | lt   | eq
-- true | false | false | true | true

-- An empty table gives no rows, with the column names still known.
CREATE TABLE empty (a INT64, b STRING);
-- ok

SELECT * FROM empty;
-- a | b
-- (0 rows)

-- Unknown names.
SELECT nope FROM fruit;
-- error CADB0404

SELECT x.name FROM fruit f;
-- error CADB0404

SELECT * FROM nope;
-- error CADB0011
