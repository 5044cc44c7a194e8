CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a VALUES (1, 'a');
UPDATE scratch.a SET name = 'x'
