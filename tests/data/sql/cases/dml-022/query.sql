CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a VALUES (1, 'a'), (2, 'b'), (3, 'c');
UPDATE scratch.a SET name = 'n' WHERE id IN (SELECT id FROM t.kinds);
SELECT * FROM scratch.a ORDER BY id
