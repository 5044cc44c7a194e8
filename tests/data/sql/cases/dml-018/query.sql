CREATE OR REPLACE TABLE scratch.a (id INT64, p STRUCT<x INT64, y INT64>);
INSERT INTO scratch.a VALUES (1, STRUCT(1, 2)), (2, STRUCT(3, 4));
UPDATE scratch.a SET p.y = p.x + 100 WHERE id = 2;
SELECT id, p.x, p.y FROM scratch.a ORDER BY id
