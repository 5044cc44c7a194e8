CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a VALUES (1, 'a'), (2, 'b'), (3, NULL);
DELETE FROM scratch.a WHERE name IS NULL OR id = 1
