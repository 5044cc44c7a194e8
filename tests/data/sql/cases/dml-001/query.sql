CREATE OR REPLACE TABLE scratch.a (id INT64 NOT NULL, name STRING, score FLOAT64);
INSERT INTO scratch.a (id, name, score) VALUES (1, 'ann', 1.5), (2, 'bob', NULL), (3, 'cy', 3);
SELECT * FROM scratch.a ORDER BY id
