-- INSERT: column lists, several rows, DEFAULT, omitted columns, GEN_ID().

CREATE TABLE items (
  id OID PRIMARY KEY DEFAULT GEN_ID(),
  name STRING NOT NULL,
  qty INT64 DEFAULT 1,
  price FLOAT64,
  note STRING
);
-- ok

-- Omitted columns take their DEFAULT, or NULL; GEN_ID() gives every row a fresh id.
INSERT INTO items (name) VALUES ('apple'), ('pear');
-- affected: 2

SELECT id, name, qty, price, note FROM items ORDER BY name;
-- id                       | name  | qty | price | note
-- 000000000000000000000001 | apple | 1   | NULL  | NULL
-- 000000000000000000000002 | pear  | 1   | NULL  | NULL

-- The DEFAULT keyword asks for the default explicitly.
INSERT INTO items (id, name, qty, price) VALUES (DEFAULT, 'plum', DEFAULT, 2.5);
-- affected: 1

-- Without a column list, every column in table order.
INSERT INTO items VALUES (STR_ID('0000000000000000000000f1'), 'fig', 7, 1.25, 'dried');
-- affected: 1

-- Columns may be listed in any order.
INSERT INTO items (note, qty, name) VALUES ('ripe', 3, 'kiwi');
-- affected: 1

SELECT id, name, qty, price, note FROM items ORDER BY name;
-- id                       | name  | qty | price | note
-- 000000000000000000000001 | apple | 1   | NULL  | NULL
-- 0000000000000000000000f1 | fig   | 7   | 1.25  | dried
-- 000000000000000000000004 | kiwi  | 3   | NULL  | ripe
-- 000000000000000000000002 | pear  | 1   | NULL  | NULL
-- 000000000000000000000003 | plum  | 1   | 2.5   | NULL

-- An INT64 value goes into a FLOAT64 column as a float.
INSERT INTO items (name, price) VALUES ('melon', 3);
-- affected: 1

SELECT name, price FROM items WHERE name = 'melon';
-- name  | price
-- melon | 3.0

-- Explicit NULL in a nullable column.
INSERT INTO items (name, qty) VALUES ('lime', NULL);
-- affected: 1

SELECT name, qty FROM items WHERE name = 'lime';
-- name | qty
-- lime | NULL

-- Mistakes: unknown table or column, a column named twice, wrong types, wrong widths.
INSERT INTO nothing (a) VALUES (1);
-- error CADB0011

INSERT INTO items (name, colour) VALUES ('x', 'red');
-- error CADB0404

INSERT INTO items (name, name) VALUES ('x', 'y');
-- error CADB0403

INSERT INTO items (name, qty) VALUES ('x', 'many');
-- error CADB0400

INSERT INTO items (name, qty) VALUES ('x', 1.5);
-- error CADB0400

INSERT INTO items VALUES (GEN_ID(), 'x');
-- error CADB0400

INSERT INTO items (name) VALUES ('x', 'y');
-- error CADB0407

-- A multi-row INSERT is all or nothing: the second row's NULL name stops both.
INSERT INTO items (name) VALUES ('grape'), (NULL);
-- error CADB0301

SELECT name FROM items WHERE name = 'grape';
-- name
-- (0 rows)

-- Strings keep their case, quotes and unicode.
INSERT INTO items (name, note) VALUES ('quote''s', "double \"quoted\""), ('ünïcødé ✓', '');
-- affected: 2

SELECT name, note FROM items WHERE qty = 1 AND price IS NULL AND note IS NOT NULL ORDER BY name;
-- name      | note
-- quote's   | double "quoted"
-- ünïcødé ✓ | ''
