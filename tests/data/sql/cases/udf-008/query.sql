CREATE TEMP FUNCTION lbl(p STRUCT<name STRING, age INT64>) RETURNS STRING AS (CONCAT(p.name, ' (', CAST(p.age AS STRING), ')'));
SELECT lbl(STRUCT('ann' AS name, 31 AS age)) AS a, lbl((SELECT AS STRUCT 'bo', 7)) AS b
