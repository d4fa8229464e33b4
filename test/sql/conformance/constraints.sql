-- NOT NULL, primary keys and unique indexes (CADB0301, CADB0300).

CREATE TABLE people (
  id INT64 PRIMARY KEY,
  email STRING UNIQUE,
  first STRING NOT NULL,
  last STRING,
  UNIQUE KEY full_name (first, last)
);
-- ok

INSERT INTO people VALUES (1, 'ada@example.com', 'ada', 'lovelace');
-- affected: 1

-- Primary key duplicates.
INSERT INTO people VALUES (1, 'other@example.com', 'other', 'person');
-- error CADB0300

-- Primary key columns are NOT NULL.
INSERT INTO people (email, first) VALUES ('x@example.com', 'x');
-- error CADB0301

-- Unique column duplicates.
INSERT INTO people VALUES (2, 'ada@example.com', 'ada', 'byron');
-- error CADB0300

-- Composite unique key duplicates.
INSERT INTO people VALUES (2, 'ada2@example.com', 'ada', 'lovelace');
-- error CADB0300

-- NOT NULL.
INSERT INTO people (id, email) VALUES (2, 'nofirst@example.com');
-- error CADB0301

-- Duplicates within one statement collide with each other too, and nothing is inserted.
INSERT INTO people VALUES (2, 'b@example.com', 'bob', NULL), (3, 'b@example.com', 'bea', NULL);
-- error CADB0300

INSERT INTO people VALUES (2, 'b@example.com', 'bob', NULL), (2, 'c@example.com', 'cy', NULL);
-- error CADB0300

SELECT id, email FROM people ORDER BY id;
-- id | email
-- 1  | ada@example.com

-- NULLs never collide in a unique index: many rows may have a NULL email or last name.
INSERT INTO people VALUES (2, NULL, 'bob', NULL), (3, NULL, 'bob', NULL), (4, NULL, 'cy', NULL);
-- affected: 3

SELECT id, first, last FROM people WHERE email IS NULL ORDER BY id;
-- id | first | last
-- 2  | bob   | NULL
-- 3  | bob   | NULL
-- 4  | cy    | NULL

-- UPDATE into a taken value fails and changes nothing.
UPDATE people SET email = 'ada@example.com' WHERE id = 2;
-- error CADB0300

UPDATE people SET id = 1 WHERE id = 2;
-- error CADB0300

-- Two rows updated to the same value collide with each other.
UPDATE people SET email = 'same@example.com' WHERE first = 'bob';
-- error CADB0300

SELECT id, email FROM people ORDER BY id;
-- id | email
-- 1  | ada@example.com
-- 2  | NULL
-- 3  | NULL
-- 4  | NULL

-- A row may keep its own unique value, and values may be swapped in one statement.
UPDATE people SET email = 'ada@example.com', last = 'king' WHERE id = 1;
-- affected: 1

UPDATE people SET id = 5 - id WHERE id = 1 OR id = 4;
-- affected: 2

SELECT id, first, email FROM people ORDER BY id;
-- id | first | email
-- 1  | cy    | NULL
-- 2  | bob   | NULL
-- 3  | bob   | NULL
-- 4  | ada   | ada@example.com

-- After a delete, the freed values are available again.
DELETE FROM people WHERE id = 4;
-- affected: 1

INSERT INTO people VALUES (4, 'ada@example.com', 'ada', 'king');
-- affected: 1

-- A unique index added later is checked against the existing rows.
CREATE UNIQUE INDEX by_first ON people (first);
-- error CADB0300

SHOW INDEXES FROM people;
-- table  | name      | unique | seq | column | order
-- people | primary   | true   | 1   | id     | ASC
-- people | email     | true   | 1   | email  | ASC
-- people | full_name | true   | 1   | first  | ASC
-- people | full_name | true   | 2   | last   | ASC

CREATE UNIQUE INDEX by_id_first ON people (id, first);
-- ok

-- Tables without a primary key still enforce their unique indexes.
CREATE TABLE tags (tag STRING UNIQUE);
-- ok

INSERT INTO tags VALUES ('red'), ('blue'), (NULL), (NULL);
-- affected: 4

INSERT INTO tags VALUES ('red');
-- error CADB0300

SELECT tag FROM tags ORDER BY tag;
-- tag
-- NULL
-- NULL
-- blue
-- red
