-- EXPLAIN shows the plan, and the plan follows the schema: an index added by
-- ALTER TABLE or CREATE INDEX is used, a dropped one is not.

CREATE TABLE p (id INT64 PRIMARY KEY, city STRING, age INT64);
-- ok

INSERT INTO p VALUES (1, 'Lima', 30), (2, 'Quito', 40), (3, 'Lima', 50);
-- affected: 3

EXPLAIN SELECT id FROM p WHERE id = 2;
-- plan
-- project id
--   primary key point lookup on p (id = 2)
--     filter id = 2

EXPLAIN SELECT id FROM p WHERE city = 'Lima';
-- plan
-- project id
--   full table scan p
--     filter city = 'Lima'

CREATE INDEX by_city ON p (city);
-- ok

EXPLAIN SELECT id FROM p WHERE city = 'Lima';
-- plan
-- project id
--   index range scan p@by_city (city = 'Lima')
--     filter city = 'Lima'

SELECT id FROM p WHERE city = 'Lima' ORDER BY id;
-- id
-- 1
-- 3

SELECT id FROM p@{FORCE_INDEX=by_city} WHERE age > 35 ORDER BY id;
-- id
-- 2
-- 3

DROP INDEX by_city ON p;
-- ok

EXPLAIN SELECT id FROM p WHERE city = 'Lima';
-- plan
-- project id
--   full table scan p
--     filter city = 'Lima'

SELECT id FROM p@{FORCE_INDEX=by_city};
-- error CADB0016

-- EXPLAIN takes only a SELECT.
EXPLAIN DELETE FROM p WHERE id = 1;
-- error CADB0406
