CREATE OR REPLACE TABLE scratch.a (id INT64 NOT NULL, name STRING);
INSERT INTO scratch.a (name) VALUES ('nobody')
