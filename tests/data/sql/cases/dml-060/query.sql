CREATE OR REPLACE TABLE scratch.a (id INT64, tags ARRAY<STRING>, r ARRAY<STRUCT<x ARRAY<INT64>, y STRING>>);
INSERT INTO scratch.a (id) VALUES (1);
INSERT INTO scratch.a (id, tags) VALUES (2, NULL);
INSERT INTO scratch.a VALUES (3, ['a'], [STRUCT(CAST(NULL AS ARRAY<INT64>) AS x, 'y' AS y)]);
UPDATE scratch.a SET tags = NULL WHERE id = 3;
SELECT id, ARRAY_LENGTH(tags) AS nt, tags IS NULL AS tn, ARRAY_LENGTH(r) AS nr,
  (SELECT ARRAY_LENGTH(e.x) FROM UNNEST(r) AS e) AS nx
FROM scratch.a ORDER BY id
