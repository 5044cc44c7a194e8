CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a VALUES (1, 'a'), (2, 'b'), (3, 'c');
UPDATE scratch.a SET name = UPPER(name) WHERE id >= 2
