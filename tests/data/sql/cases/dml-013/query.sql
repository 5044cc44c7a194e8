CREATE OR REPLACE TABLE scratch.a (id INT64, name STRING);
INSERT INTO scratch.a VALUES (1, 'a'), (2, 'b'), (3, 'c');
UPDATE scratch.a AS r SET r.name = CONCAT(r.name, '!'), id = id * 10 WHERE r.id != 2;
SELECT * FROM scratch.a ORDER BY id
