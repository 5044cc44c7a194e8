CREATE OR REPLACE TABLE scratch.a (id INT64 NOT NULL, name STRING);
INSERT INTO scratch.a VALUES (1, 'a');
UPDATE scratch.a SET name = DEFAULT WHERE id = 1;
SELECT * FROM scratch.a
