CREATE OR REPLACE TABLE scratch.a (id INT64);
INSERT INTO scratch.a VALUES (1), (2);
TRUNCATE TABLE scratch.a;
SELECT COUNT(*) AS n FROM scratch.a
