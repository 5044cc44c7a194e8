CREATE OR REPLACE TABLE scratch.a (id INT64 NOT NULL, name STRING, score FLOAT64);
INSERT scratch.a VALUES (1, 'ann', 1.5), (2, DEFAULT, 2)
