CREATE TABLE scratch.people (id INT64, name STRING COLLATE 'und:ci') AS
SELECT 1 AS id, 'alice' AS name UNION ALL SELECT 2, 'ALICE' UNION ALL SELECT 3, 'Bob' UNION ALL SELECT 4, 'bob' UNION ALL SELECT 5, 'carol';
SELECT LOWER(name) AS lname, COUNT(*) AS n, COUNT(DISTINCT name) AS d, MIN(id) AS first FROM scratch.people GROUP BY name ORDER BY lname
