-- Subqueries: IN (SELECT), EXISTS, scalar subqueries, derived tables, correlation.

CREATE TABLE dept (id INT64 PRIMARY KEY, name STRING);
-- ok

CREATE TABLE emp (id INT64 PRIMARY KEY, name STRING, dept_id INT64, salary INT64);
-- ok

INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty');
-- affected: 3

INSERT INTO emp VALUES (1, 'ann', 1, 100), (2, 'bob', 1, 80), (3, 'cat', 2, 90), (4, 'dan', NULL, 50);
-- affected: 4

SELECT name FROM dept WHERE id IN (SELECT dept_id FROM emp) ORDER BY name;
-- name
-- eng
-- ops

-- NOT IN over a subquery that yields a NULL keeps nothing.
SELECT name FROM dept WHERE id NOT IN (SELECT dept_id FROM emp);
-- name
-- (0 rows)

SELECT name FROM dept WHERE id NOT IN (SELECT dept_id FROM emp WHERE dept_id IS NOT NULL);
-- name
-- empty

-- Correlated EXISTS.
SELECT d.name AS name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id) ORDER BY d.name;
-- name
-- eng
-- ops

SELECT d.name AS name FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id);
-- name
-- empty

-- Scalar subqueries, uncorrelated and correlated.
SELECT name FROM emp WHERE salary = (SELECT MAX(salary) FROM emp);
-- name
-- ann

SELECT e.name AS name, (SELECT d.name FROM dept d WHERE d.id = e.dept_id) AS dept FROM emp e ORDER BY e.id;
-- name | dept
-- ann  | eng
-- bob  | eng
-- cat  | ops
-- dan  | NULL

SELECT e.name AS name FROM emp e WHERE e.salary > (SELECT AVG(x.salary) FROM emp x WHERE x.dept_id = e.dept_id) ORDER BY e.name;
-- name
-- ann

-- A derived table in FROM.
SELECT t.dept_id AS dept_id, t.total AS total FROM (SELECT dept_id, SUM(salary) AS total FROM emp GROUP BY dept_id) t WHERE t.total > 60 ORDER BY t.dept_id;
-- dept_id | total
-- 1       | 180
-- 2       | 90

-- A scalar subquery must give at most one row of one column.
SELECT (SELECT id FROM emp) AS x;
-- error CADB0400

SELECT name FROM dept WHERE id IN (SELECT id, name FROM emp);
-- error CADB0400

-- An empty scalar subquery is NULL.
SELECT (SELECT id FROM emp WHERE id > 100) AS x;
-- x
-- NULL

-- Subqueries work in UPDATE and DELETE conditions too.
UPDATE emp SET salary = salary + 5 WHERE dept_id IN (SELECT id FROM dept WHERE name = 'ops');
-- affected: 1

DELETE FROM emp WHERE NOT EXISTS (SELECT 1 FROM dept WHERE dept.id = emp.dept_id);
-- affected: 1

SELECT name, salary FROM emp ORDER BY id;
-- name | salary
-- ann  | 100
-- bob  | 80
-- cat  | 95

-- A statement's subqueries see the data as it was before the statement:
-- every row gets the old maximum, not one raised by the rows before it.
UPDATE emp SET salary = (SELECT MAX(salary) FROM emp) + id WHERE id > 0;
-- affected: 3

SELECT name, salary FROM emp ORDER BY id;
-- name | salary
-- ann  | 101
-- bob  | 102
-- cat  | 103

INSERT INTO emp (id, name) VALUES ((SELECT MAX(id) FROM emp) + 1, 'eve'), ((SELECT MAX(id) FROM emp) + 2, 'fay');
-- affected: 2

SELECT id, name FROM emp WHERE id > 3 ORDER BY id;
-- id | name
-- 4  | eve
-- 5  | fay

-- Deleting every row above the average uses the average of the rows before the delete.
DELETE FROM emp WHERE salary >= (SELECT AVG(salary) FROM emp);
-- affected: 2

SELECT name FROM emp ORDER BY id;
-- name
-- ann
-- eve
-- fay
