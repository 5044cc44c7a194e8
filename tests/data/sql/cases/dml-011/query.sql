CREATE OR REPLACE TABLE scratch.a (id INT64, tags ARRAY<STRING>, p STRUCT<x INT64, y FLOAT64>);
INSERT INTO scratch.a VALUES (1, ['a', 'b'], STRUCT(1, 2)), (2, [], NULL);
SELECT id, ARRAY_LENGTH(tags) AS n, p.y FROM scratch.a ORDER BY id
