CREATE TABLE scratch.people (id INT64, name STRING COLLATE 'und:ci') AS
SELECT 1 AS id, 'alice' AS name UNION ALL SELECT 2, 'ALICE' UNION ALL SELECT 3, 'Ali\u070Fce' UNION ALL SELECT 4, 'bob';
SELECT id FROM scratch.people WHERE name = 'Alice' AND name IN ('x', 'aLiCe') AND name BETWEEN 'a' AND 'AZ' ORDER BY id
