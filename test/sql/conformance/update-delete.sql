-- UPDATE and DELETE: WHERE is required, assignments see the old row, indexes follow.

CREATE TABLE stock (id INT64 PRIMARY KEY, name STRING NOT NULL, qty INT64, shelf STRING, KEY by_shelf (shelf));
-- ok

INSERT INTO stock VALUES (1, 'bolt', 10, 'a'), (2, 'nut', 20, 'a'), (3, 'screw', 5, 'b'), (4, 'washer', NULL, 'c');
-- affected: 4

UPDATE stock SET qty = qty + 1 WHERE shelf = 'a';
-- affected: 2

SELECT id, name, qty FROM stock ORDER BY id;
-- id | name   | qty
-- 1  | bolt   | 11
-- 2  | nut    | 21
-- 3  | screw  | 5
-- 4  | washer | NULL

-- Rows that match count as affected even when nothing changes.
UPDATE stock SET qty = 5 WHERE id = 3;
-- affected: 1

UPDATE stock SET qty = 0 WHERE id = 99;
-- affected: 0

-- Every assignment reads the row as it was: this swaps name and shelf.
UPDATE stock SET name = shelf, shelf = name WHERE id = 1;
-- affected: 1

SELECT id, name, shelf FROM stock WHERE id = 1;
-- id | name | shelf
-- 1  | a    | bolt

-- An updated indexed column is found through its new value, not its old one.
SELECT id FROM stock WHERE shelf = 'bolt';
-- id
-- 1

SELECT id FROM stock WHERE shelf = 'a';
-- id
-- 2

-- The primary key itself may change.
UPDATE stock SET id = 10 WHERE id = 4;
-- affected: 1

SELECT id, name FROM stock ORDER BY id;
-- id | name
-- 1  | a
-- 2  | nut
-- 3  | screw
-- 10 | washer

-- WHERE is required.
UPDATE stock SET qty = 0;
-- error CADB0407

DELETE FROM stock;
-- error CADB0407

-- Bad assignments change nothing.
UPDATE stock SET colour = 'red' WHERE id = 1;
-- error CADB0404

UPDATE stock SET qty = 'many' WHERE id = 1;
-- error CADB0400

UPDATE stock SET name = NULL WHERE id > 0;
-- error CADB0301

UPDATE stock SET qty = 1, qty = 2 WHERE id = 1;
-- error CADB0403

UPDATE nothing SET a = 1 WHERE a = 1;
-- error CADB0011

SELECT id, name, qty, shelf FROM stock ORDER BY id;
-- id | name   | qty  | shelf
-- 1  | a      | 11   | bolt
-- 2  | nut    | 21   | a
-- 3  | screw  | 5    | b
-- 10 | washer | NULL | c

DELETE FROM stock WHERE qty IS NULL;
-- affected: 1

DELETE FROM stock WHERE id = 99;
-- affected: 0

DELETE FROM stock WHERE shelf = 'a' OR shelf = 'b';
-- affected: 2

SELECT id, name FROM stock;
-- id | name
-- 1  | a

-- A deleted key can be used again.
INSERT INTO stock (id, name) VALUES (2, 'nut again');
-- affected: 1

SELECT id, name FROM stock ORDER BY id;
-- id | name
-- 1  | a
-- 2  | nut again

-- Rows of a table with an OID primary key move when the key changes.
CREATE TABLE docs (id OID PRIMARY KEY DEFAULT GEN_ID(), title STRING UNIQUE);
-- ok

INSERT INTO docs (title) VALUES ('one'), ('two');
-- affected: 2

UPDATE docs SET id = STR_ID('0000000000000000000000ff') WHERE title = 'one';
-- affected: 1

SELECT id, title FROM docs ORDER BY title;
-- id                       | title
-- 0000000000000000000000ff | one
-- 000000000000000000000007 | two

SELECT title FROM docs WHERE id = STR_ID('0000000000000000000000ff');
-- title
-- one

SELECT title FROM docs WHERE id = STR_ID('000000000000000000000006');
-- title
-- (0 rows)
