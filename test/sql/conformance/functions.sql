-- Built-in functions: GEN_ID, STR_ID, string and number functions, CASE, COALESCE.

SELECT GEN_ID() AS a, GEN_ID() AS b;
-- a                        | b
-- 000000000000000000000001 | 000000000000000000000002

SELECT STR_ID('5F1A2B3C4D5E6F7A8B9C0D1E') AS id;
-- id
-- 5f1a2b3c4d5e6f7a8b9c0d1e

SELECT STR_ID('not an id') AS id;
-- error CADB0400

SELECT UPPER('abc') AS u, LOWER('ÀBC') AS l, LENGTH('héllo') AS n, TRIM('  x  ') AS t;
-- u   | l   | n | t
-- ABC | àbc | 5 | x

SELECT ABS(-5) AS a, ABS(-2.5) AS b, ROUND(2.5) AS c, ROUND(-2.5) AS d, ROUND(3.14159, 2) AS e;
-- a | b   | c   | d    | e
-- 5 | 2.5 | 3.0 | -3.0 | 3.14

SELECT UPPER(NULL) AS u, LENGTH(NULL) AS n, ABS(NULL) AS a;
-- u    | n    | a
-- NULL | NULL | NULL

SELECT COALESCE(NULL, NULL, 3) AS c, COALESCE(NULL) AS d;
-- c | d
-- 3 | NULL

SELECT CASE WHEN 1 > 2 THEN 'no' WHEN 2 > 1 THEN 'yes' ELSE 'never' END AS searched,
       CASE 3 WHEN 1 THEN 'one' WHEN 3 THEN 'three' END AS simple,
       CASE 4 WHEN 1 THEN 'one' END AS missing;
-- searched | simple | missing
-- yes      | three  | NULL

-- Functions over a table's rows.
CREATE TABLE w (id OID PRIMARY KEY DEFAULT GEN_ID(), word STRING);
-- ok

INSERT INTO w (word) VALUES ('Alpha'), ('beta'), (NULL);
-- affected: 3

SELECT id, UPPER(word) AS up, LENGTH(word) AS len FROM w ORDER BY id;
-- id                       | up    | len
-- 000000000000000000000003 | ALPHA | 5
-- 000000000000000000000004 | BETA  | 4
-- 000000000000000000000005 | NULL  | NULL

-- An OID compares with a string that spells one.
SELECT word FROM w WHERE id = '000000000000000000000004';
-- word
-- beta

SELECT NOSUCH(1) AS x;
-- error CADB0400

SELECT UPPER(1) AS x;
-- error CADB0400

SELECT 9223372036854775807 + 1 AS x;
-- error CADB0400
