-- ORDER BY (ASC / DESC, several keys, NULLs first), LIMIT and OFFSET.

CREATE TABLE s (id INT64 PRIMARY KEY, grp STRING, score INT64, KEY by_score (score));
-- ok

INSERT INTO s VALUES (1, 'b', 30), (2, 'a', 10), (3, 'b', NULL), (4, 'a', 30), (5, 'c', 20);
-- affected: 5

-- NULL sorts first ascending, last descending.
SELECT id, score FROM s ORDER BY score, id;
-- id | score
-- 3  | NULL
-- 2  | 10
-- 5  | 20
-- 1  | 30
-- 4  | 30

SELECT id, score FROM s ORDER BY score DESC, id DESC;
-- id | score
-- 4  | 30
-- 1  | 30
-- 5  | 20
-- 2  | 10
-- 3  | NULL

SELECT grp, id FROM s ORDER BY grp ASC, id DESC;
-- grp | id
-- a   | 4
-- a   | 2
-- b   | 3
-- b   | 1
-- c   | 5

-- Ordering by an expression, and by an alias of the select list.
SELECT id, score * -1 AS neg FROM s WHERE score IS NOT NULL ORDER BY neg, id;
-- id | neg
-- 1  | -30
-- 4  | -30
-- 5  | -20
-- 2  | -10

SELECT id FROM s ORDER BY id LIMIT 2;
-- id
-- 1
-- 2

SELECT id FROM s ORDER BY id LIMIT 2 OFFSET 2;
-- id
-- 3
-- 4

SELECT id FROM s ORDER BY id LIMIT 10 OFFSET 4;
-- id
-- 5

SELECT id FROM s ORDER BY id LIMIT 10 OFFSET 5;
-- id
-- (0 rows)

SELECT id FROM s ORDER BY id LIMIT 0;
-- id
-- (0 rows)

SELECT id FROM s ORDER BY score DESC, id LIMIT 1;
-- id
-- 1
