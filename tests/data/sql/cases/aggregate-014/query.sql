-- INTERVALs compare, group and count as BigQuery normalizes them: 1 month = 30 days, 1 day = 24 hours.
SELECT COUNT(v) AS n, COUNT(DISTINCT v) AS distinct_values,
       ARRAY_TO_STRING(ARRAY(SELECT CAST(id AS STRING) FROM t.intervals WHERE v IS NOT NULL ORDER BY v, id), ',') AS ordered
FROM t.intervals
