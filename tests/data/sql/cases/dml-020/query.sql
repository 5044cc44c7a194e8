CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a VALUES (1, 'a'), (3, 'c');
UPDATE scratch.a SET name = k.name FROM t.kinds k WHERE a.id = k.id AND k.name != 'drei';
SELECT * FROM scratch.a ORDER BY id
