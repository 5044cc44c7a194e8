-- SUM over a sliding frame of a column whose UNION branches are FLOAT64 and INT64: the sum is
-- FLOAT64 whatever each value's branch, and NaN or an infinity in the frame carries through.
SELECT row_id, CAST(SUM(val) OVER (ORDER BY row_id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS STRING) AS s
FROM (SELECT 1 AS row_id, CAST('nan' AS FLOAT64) AS val UNION ALL SELECT 2, CAST('nan' AS FLOAT64)
      UNION ALL SELECT 3, 2 UNION ALL SELECT 4, 5 UNION ALL SELECT 5, 6 UNION ALL SELECT 6, CAST('nan' AS FLOAT64)
      UNION ALL SELECT 7, CAST('inf' AS FLOAT64) UNION ALL SELECT 8, CAST('nan' AS FLOAT64)
      UNION ALL SELECT 9, CAST('-inf' AS FLOAT64) UNION ALL SELECT 10, CAST('nan' AS FLOAT64))
ORDER BY row_id
