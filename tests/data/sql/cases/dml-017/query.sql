CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
UPDATE scratch.a SET nope = 1 WHERE TRUE
