CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a (name, id) SELECT s, id FROM t.nums WHERE s IS NOT NULL;
SELECT id, name FROM scratch.a ORDER BY id
