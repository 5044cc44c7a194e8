CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
UPDATE scratch.a SET name = 5 WHERE TRUE
