CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a VALUES (1, 'a'), (2, 'b'), (3, NULL);
DELETE scratch.a x WHERE x.id > (SELECT MIN(id) FROM scratch.a);
SELECT * FROM scratch.a
