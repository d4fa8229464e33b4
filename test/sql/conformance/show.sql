-- SHOW statements, DESCRIBE and SHOW CREATE TABLE.

SHOW TABLES;
-- table
-- (0 rows)

SHOW DATABASE;
-- database
-- test

SHOW DATABASES;
-- database
-- test

CREATE TABLE orders (
  id OID PRIMARY KEY DEFAULT GEN_ID(),
  customer STRING NOT NULL,
  total FLOAT64 DEFAULT 0.0,
  paid BOOL DEFAULT FALSE,
  code STRING UNIQUE,
  n INT64 DEFAULT (1 + 2),
  KEY by_customer (customer, total DESC)
);
-- ok

SHOW COLUMNS FROM orders;
-- field    | type    | null | key | default
-- id       | OID     | NO   | PRI | gen_id()
-- customer | STRING  | NO   | MUL | NULL
-- total    | FLOAT64 | YES  | ''  | 0.0
-- paid     | BOOL    | YES  | ''  | FALSE
-- code     | STRING  | YES  | UNI | NULL
-- n        | INT64   | YES  | ''  | 1 + 2

DESCRIBE orders;
-- field    | type    | null | key | default
-- id       | OID     | NO   | PRI | gen_id()
-- customer | STRING  | NO   | MUL | NULL
-- total    | FLOAT64 | YES  | ''  | 0.0
-- paid     | BOOL    | YES  | ''  | FALSE
-- code     | STRING  | YES  | UNI | NULL
-- n        | INT64   | YES  | ''  | 1 + 2

SHOW CREATE TABLE orders;
-- table  | create_table
-- orders | CREATE TABLE orders (id OID NOT NULL DEFAULT gen_id(), customer STRING NOT NULL, total FLOAT64 DEFAULT 0.0, paid BOOL DEFAULT FALSE, code STRING, n INT64 DEFAULT (1 + 2), PRIMARY KEY (id), UNIQUE KEY code (code), KEY by_customer (customer, total DESC))

SHOW INDEXES FROM orders;
-- table  | name        | unique | seq | column   | order
-- orders | primary     | true   | 1   | id       | ASC
-- orders | code        | true   | 1   | code     | ASC
-- orders | by_customer | false  | 1   | customer | ASC
-- orders | by_customer | false  | 2   | total    | DESC

SHOW INDEX FROM orders;
-- table  | name        | unique | seq | column   | order
-- orders | primary     | true   | 1   | id       | ASC
-- orders | code        | true   | 1   | code     | ASC
-- orders | by_customer | false  | 1   | customer | ASC
-- orders | by_customer | false  | 2   | total    | DESC

-- The statement SHOW CREATE TABLE prints makes the same table again.
DROP TABLE orders;
-- ok

CREATE TABLE orders (id OID NOT NULL DEFAULT gen_id(), customer STRING NOT NULL, total FLOAT64 DEFAULT 0.0, paid BOOL DEFAULT FALSE, code STRING, n INT64 DEFAULT (1 + 2), PRIMARY KEY (id), UNIQUE KEY code (code), KEY by_customer (customer, total DESC));
-- ok

SHOW CREATE TABLE orders;
-- table  | create_table
-- orders | CREATE TABLE orders (id OID NOT NULL DEFAULT gen_id(), customer STRING NOT NULL, total FLOAT64 DEFAULT 0.0, paid BOOL DEFAULT FALSE, code STRING, n INT64 DEFAULT (1 + 2), PRIMARY KEY (id), UNIQUE KEY code (code), KEY by_customer (customer, total DESC))

-- Names that need quoting are quoted.
CREATE TABLE `select` (`from` INT64, `two words` STRING);
-- ok

SHOW CREATE TABLE `select`;
-- table  | create_table
-- select | CREATE TABLE `select` (`from` INT64, `two words` STRING)

SHOW TABLES;
-- table
-- orders
-- select

SHOW COLUMNS FROM missing;
-- error CADB0011

SHOW CREATE TABLE missing;
-- error CADB0011

SHOW INDEXES FROM missing;
-- error CADB0011

-- Databases: created, listed, dropped.
CREATE DATABASE other;
-- ok

CREATE DATABASE other;
-- error CADB0012

CREATE DATABASE IF NOT EXISTS other;
-- ok

SHOW DATABASES;
-- database
-- other
-- test

DROP DATABASE other;
-- ok

DROP DATABASE other;
-- error CADB0010

DROP DATABASE IF EXISTS other;
-- ok

SHOW DATABASES;
-- database
-- test

-- Transaction control belongs to the session, not to the statement executor.
BEGIN;
-- error CADB0400
