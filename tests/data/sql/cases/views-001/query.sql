CREATE TABLE scratch.people (name STRING, age INT64) AS SELECT 'ann' AS name, 31 AS age UNION ALL SELECT 'bob', 17;
CREATE VIEW scratch.adults AS SELECT name, age FROM scratch.people WHERE age >= 18;
INSERT INTO scratch.people VALUES ('cy', 40);
SELECT a.name, p.age FROM scratch.adults AS a JOIN scratch.people AS p USING (name) ORDER BY name
