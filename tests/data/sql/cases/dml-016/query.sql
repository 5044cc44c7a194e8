CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
UPDATE scratch.a SET name = 'x', name = 'y' WHERE TRUE
