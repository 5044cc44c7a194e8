CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a (id, id) VALUES (1, 2)
