-- INT64 is exact over its whole range, far beyond 2^53 where doubles round.

CREATE TABLE big (id INT64 PRIMARY KEY, v INT64, KEY by_v (v));
-- ok

INSERT INTO big VALUES
  (1, 9007199254740993),
  (2, 9007199254740992),
  (3, 9223372036854775807),
  (4, -9223372036854775808),
  (5, -9007199254740993),
  (6, 0);
-- affected: 6

SELECT id, v FROM big ORDER BY v;
-- id | v
-- 4  | -9223372036854775808
-- 5  | -9007199254740993
-- 6  | 0
-- 2  | 9007199254740992
-- 1  | 9007199254740993
-- 3  | 9223372036854775807

-- 2^53 + 1 is found exactly, not confused with 2^53.
SELECT id FROM big WHERE v = 9007199254740993;
-- id
-- 1

SELECT id FROM big WHERE v > 9007199254740992 ORDER BY id;
-- id
-- 1
-- 3

-- Arithmetic stays exact.
UPDATE big SET v = v + 1 WHERE id = 2;
-- affected: 1

SELECT v FROM big WHERE id = 2;
-- v
-- 9007199254740993

-- Big values work as primary keys and in unique checks.
INSERT INTO big VALUES (9223372036854775807, 1), (-9223372036854775808, 2);
-- affected: 2

INSERT INTO big VALUES (9223372036854775807, 3);
-- error CADB0300

SELECT id, v FROM big WHERE id > 1000 OR id < -1000 ORDER BY id;
-- id                   | v
-- -9223372036854775808 | 2
-- 9223372036854775807  | 1

-- One past either end is not an INT64.
INSERT INTO big VALUES (7, 9223372036854775808);
-- error CADB0400

INSERT INTO big VALUES (7, -9223372036854775809);
-- error CADB0400

SELECT id FROM big WHERE id = 7;
-- id
-- (0 rows)
