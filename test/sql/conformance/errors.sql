-- Error codes for the common mistakes; a failed statement changes nothing.

SELEC 1;
-- error CADB0406

SELECT * FROM;
-- error CADB0406

INSERT INTO t VALUES ('unterminated);
-- error CADB0406

SELECT * FROM missing;
-- error CADB0011

CREATE TABLE t (id INT64 PRIMARY KEY, v STRING NOT NULL);
-- ok

CREATE TABLE t (id INT64);
-- error CADB0013

CREATE TABLE u (a BLOB);
-- error CADB0401

CREATE TABLE u (a INT64, A STRING);
-- error CADB0403

INSERT INTO t (id, nope) VALUES (1, 'x');
-- error CADB0404

INSERT INTO t VALUES (1, NULL);
-- error CADB0301

INSERT INTO t VALUES ('one', 'x');
-- error CADB0400

INSERT INTO t VALUES (1, 'x');
-- affected: 1

INSERT INTO t VALUES (1, 'y');
-- error CADB0300

SELECT nope FROM t;
-- error CADB0404

DROP INDEX nope ON t;
-- error CADB0016

DROP DATABASE nope;
-- error CADB0010

CREATE DATABASE test;
-- error CADB0012

UPDATE t SET v = 'z';
-- error CADB0407

-- Only the one good INSERT took effect.
SELECT id, v FROM t;
-- id | v
-- 1  | x
