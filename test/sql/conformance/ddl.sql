-- CREATE TABLE and DROP TABLE: column types, keys, defaults, IF [NOT] EXISTS.

CREATE TABLE users (
  id OID PRIMARY KEY DEFAULT GEN_ID(),
  name STRING NOT NULL,
  age INT64,
  score FLOAT64 DEFAULT 0.5,
  active BOOL DEFAULT TRUE
);
-- ok

SHOW TABLES;
-- table
-- users

-- A second CREATE of the same name fails, unless IF NOT EXISTS says not to mind.
CREATE TABLE users (id INT64);
-- error CADB0013

CREATE TABLE IF NOT EXISTS users (id INT64);
-- ok

-- The table was not replaced: it still has its five columns.
SHOW COLUMNS FROM users;
-- field  | type    | null | key | default
-- id     | OID     | NO   | PRI | gen_id()
-- name   | STRING  | NO   | ''  | NULL
-- age    | INT64   | YES  | ''  | NULL
-- score  | FLOAT64 | YES  | ''  | 0.5
-- active | BOOL    | YES  | ''  | TRUE

-- Type aliases map onto the five canonical types.
CREATE TABLE aliases (a INT, b BIGINT, c TEXT, d VARCHAR(20), e DOUBLE, f BOOLEAN, g ID);
-- ok

DESCRIBE aliases;
-- field | type    | null | key | default
-- a     | INT64   | YES  | ''  | NULL
-- b     | INT64   | YES  | ''  | NULL
-- c     | STRING  | YES  | ''  | NULL
-- d     | STRING  | YES  | ''  | NULL
-- e     | FLOAT64 | YES  | ''  | NULL
-- f     | BOOL    | YES  | ''  | NULL
-- g     | OID     | YES  | ''  | NULL

-- A composite primary key with a DESC part; its columns become NOT NULL.
CREATE TABLE events (kind STRING, at INT64, note STRING, PRIMARY KEY (kind ASC, at DESC));
-- ok

SHOW INDEXES FROM events;
-- table  | name    | unique | seq | column | order
-- events | primary | true   | 1   | kind   | ASC
-- events | primary | true   | 2   | at     | DESC

DESC events;
-- field | type   | null | key | default
-- kind  | STRING | NO   | PRI | NULL
-- at    | INT64  | NO   | PRI | NULL
-- note  | STRING | YES  | ''  | NULL

-- The primary key may also follow the column list.
CREATE TABLE pairs (a INT64, b INT64) PRIMARY KEY (a, b);
-- ok

-- Unique and plain keys declared with the table; UNIQUE on a column names its index after the column.
CREATE TABLE accounts (
  id INT64 PRIMARY KEY,
  email STRING UNIQUE,
  owner STRING,
  branch STRING,
  UNIQUE KEY owner_branch (owner, branch),
  KEY by_branch (branch)
);
-- ok

SHOW INDEXES FROM accounts;
-- table    | name         | unique | seq | column | order
-- accounts | primary      | true   | 1   | id     | ASC
-- accounts | email        | true   | 1   | email  | ASC
-- accounts | owner_branch | true   | 1   | owner  | ASC
-- accounts | owner_branch | true   | 2   | branch | ASC
-- accounts | by_branch    | false  | 1   | branch | ASC

-- A table needs no primary key at all.
CREATE TABLE log (line STRING);
-- ok

INSERT INTO log VALUES ('first'), ('second');
-- affected: 2

SELECT line FROM log ORDER BY line;
-- line
-- first
-- second

SHOW TABLES;
-- table
-- accounts
-- aliases
-- events
-- log
-- pairs
-- users

-- DROP TABLE removes the table with its rows; IF EXISTS tolerates a missing one.
DROP TABLE log;
-- ok

SELECT line FROM log;
-- error CADB0011

DROP TABLE log;
-- error CADB0011

DROP TABLE IF EXISTS log;
-- ok

-- A table created again under a dropped name starts empty.
CREATE TABLE log (line STRING);
-- ok

SELECT line FROM log;
-- line
-- (0 rows)

-- Errors in the definition.
CREATE TABLE bad (a INT64, a STRING);
-- error CADB0403

CREATE TABLE bad (a INT64, PRIMARY KEY (b));
-- error CADB0404

CREATE TABLE bad (a INT64, KEY k (a, a));
-- error CADB0403

CREATE TABLE bad (a INT64, KEY k (a), KEY k (a));
-- error CADB0400

CREATE TABLE bad (a DATETIME);
-- error CADB0401

CREATE TABLE bad (a INT64 DEFAULT 'text');
-- error CADB0400

CREATE TABLE bad (a INT64 DEFAULT (b + 1), b INT64);
-- error CADB0400

CREATE TABLE bad (a INT64 NOT NULL DEFAULT NULL);
-- error CADB0400

CREATE TABLE bad (a INT64 PRIMARY KEY, b INT64, PRIMARY KEY (b));
-- error CADB0407

-- None of the failed statements created anything.
SHOW TABLES;
-- table
-- accounts
-- aliases
-- events
-- log
-- pairs
-- users
