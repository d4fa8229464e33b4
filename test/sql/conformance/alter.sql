-- ALTER TABLE on a table that already has rows, CREATE INDEX and DROP INDEX.

CREATE TABLE t (id INT64 PRIMARY KEY, name STRING);
-- ok

INSERT INTO t VALUES (1, 'one'), (2, 'two');
-- affected: 2

-- A new nullable column reads NULL in the existing rows.
ALTER TABLE t ADD COLUMN note STRING;
-- ok

SELECT id, name, note FROM t ORDER BY id;
-- id | name | note
-- 1  | one  | NULL
-- 2  | two  | NULL

-- A new column with a DEFAULT fills the existing rows with it.
ALTER TABLE t ADD COLUMN level INT64 NOT NULL DEFAULT 7;
-- ok

SELECT id, level FROM t ORDER BY id;
-- id | level
-- 1  | 7
-- 2  | 7

-- NOT NULL without a DEFAULT cannot be added to a table with rows.
ALTER TABLE t ADD COLUMN code STRING NOT NULL;
-- error CADB0301

ALTER TABLE t ADD COLUMN name STRING;
-- error CADB0403

-- New rows see every column.
INSERT INTO t (id, name, note) VALUES (3, 'three', 'new');
-- affected: 1

SELECT id, name, note, level FROM t ORDER BY id;
-- id | name  | note | level
-- 1  | one   | NULL | 7
-- 2  | two   | NULL | 7
-- 3  | three | new  | 7

-- DROP COLUMN hides the column from every row, old or new.
ALTER TABLE t DROP COLUMN note;
-- ok

SELECT * FROM t ORDER BY id;
-- id | name  | level
-- 1  | one   | 7
-- 2  | two   | 7
-- 3  | three | 7

ALTER TABLE t DROP COLUMN note;
-- error CADB0404

-- A column added again under a dropped name starts empty: the dropped values do not come back.
ALTER TABLE t ADD COLUMN note STRING;
-- ok

SELECT id, note FROM t ORDER BY id;
-- id | note
-- 1  | NULL
-- 2  | NULL
-- 3  | NULL

-- An index is built from the existing rows.
ALTER TABLE t ADD INDEX by_name (name);
-- ok

SELECT id FROM t WHERE name = 'two';
-- id
-- 2

-- A column that an index uses cannot be dropped until the index is.
ALTER TABLE t DROP COLUMN name;
-- error CADB0400

ALTER TABLE t DROP INDEX by_name;
-- ok

ALTER TABLE t DROP INDEX by_name;
-- error CADB0016

ALTER TABLE t DROP COLUMN name;
-- ok

-- CREATE INDEX and DROP INDEX ... ON are the same operations.
CREATE INDEX by_level ON t (level DESC, id);
-- ok

CREATE INDEX by_level ON t (id);
-- error CADB0400

CREATE INDEX IF NOT EXISTS by_level ON t (id);
-- ok

CREATE INDEX on_nothing ON t (nothing);
-- error CADB0404

CREATE INDEX on_nothing ON missing (id);
-- error CADB0011

SHOW INDEXES FROM t;
-- table | name     | unique | seq | column | order
-- t     | primary  | true   | 1   | id     | ASC
-- t     | by_level | false  | 1   | level  | DESC
-- t     | by_level | false  | 2   | id     | ASC

DROP INDEX by_level ON t;
-- ok

DROP INDEX by_level ON t;
-- error CADB0016

-- A unique index on values that repeat is refused.
ALTER TABLE t ADD UNIQUE INDEX one_level (level);
-- error CADB0300

-- Dropping and adding the primary key.
ALTER TABLE t DROP PRIMARY KEY;
-- ok

ALTER TABLE t DROP PRIMARY KEY;
-- error CADB0016

INSERT INTO t (id, level) VALUES (3, 8);
-- affected: 1

-- Now id repeats, so it cannot be the primary key.
ALTER TABLE t ADD PRIMARY KEY (id);
-- error CADB0300

DELETE FROM t WHERE level = 8;
-- affected: 1

ALTER TABLE t ADD PRIMARY KEY (id);
-- ok

ALTER TABLE t ADD PRIMARY KEY (level);
-- error CADB0400

INSERT INTO t (id, level) VALUES (3, 8);
-- error CADB0300

SHOW CREATE TABLE t;
-- table | create_table
-- t     | CREATE TABLE t (id INT64 NOT NULL, level INT64 NOT NULL DEFAULT 7, note STRING, PRIMARY KEY (id))

-- An OID primary key added later becomes the rows' identity.
CREATE TABLE o (id OID, v INT64);
-- ok

INSERT INTO o VALUES (STR_ID('0000000000000000000000aa'), 1), (STR_ID('0000000000000000000000bb'), 2);
-- affected: 2

ALTER TABLE o ADD PRIMARY KEY (id);
-- ok

SELECT v FROM o WHERE id = STR_ID('0000000000000000000000bb');
-- v
-- 2

-- Errors on tables and columns that do not exist.
ALTER TABLE missing ADD COLUMN x INT64;
-- error CADB0011

ALTER TABLE t ADD INDEX bad (missing);
-- error CADB0404
