-- Joins: JOIN / INNER JOIN ... ON, LEFT JOIN, comma joins.

CREATE TABLE authors (id INT64 PRIMARY KEY, name STRING);
-- ok

CREATE TABLE books (id INT64 PRIMARY KEY, author_id INT64, title STRING, KEY by_author (author_id));
-- ok

INSERT INTO authors VALUES (1, 'Borges'), (2, 'Calvino'), (3, 'Cortazar');
-- affected: 3

INSERT INTO books VALUES (10, 1, 'Ficciones'), (11, 1, 'El Aleph'), (12, 2, 'Le citta invisibili'), (13, NULL, 'Anonymous');
-- affected: 4

SELECT a.name AS author, b.title AS title FROM authors a JOIN books b ON b.author_id = a.id ORDER BY b.id;
-- author  | title
-- Borges  | Ficciones
-- Borges  | El Aleph
-- Calvino | Le citta invisibili

SELECT a.name AS author, b.title AS title FROM authors a INNER JOIN books b ON b.author_id = a.id WHERE a.id = 1 ORDER BY b.title;
-- author | title
-- Borges | El Aleph
-- Borges | Ficciones

-- A LEFT JOIN keeps authors without books, with NULLs for the book.
SELECT a.name AS author, b.title AS title FROM authors a LEFT JOIN books b ON b.author_id = a.id ORDER BY a.id, b.id;
-- author   | title
-- Borges   | Ficciones
-- Borges   | El Aleph
-- Calvino  | Le citta invisibili
-- Cortazar | NULL

-- A comma join is a cross product, filtered by WHERE.
SELECT a.name AS author, b.title AS title FROM authors a, books b WHERE a.id = b.author_id AND b.id > 10 ORDER BY b.id;
-- author  | title
-- Borges  | El Aleph
-- Calvino | Le citta invisibili

SELECT COUNT(*) AS pairs FROM authors, books;
-- pairs
-- 12

-- Aggregating over a join.
SELECT a.name AS author, COUNT(b.id) AS books FROM authors a LEFT JOIN books b ON b.author_id = a.id GROUP BY a.name ORDER BY a.name;
-- author   | books
-- Borges   | 2
-- Calvino  | 1
-- Cortazar | 0

-- Joining a table with itself needs aliases to tell the sides apart.
SELECT x.title AS first, y.title AS second FROM books x JOIN books y ON x.author_id = y.author_id AND x.id < y.id;
-- first     | second
-- Ficciones | El Aleph

-- A name both sides have must be qualified.
SELECT id FROM authors a JOIN books b ON b.author_id = a.id;
-- error CADB0400
