-- A finite key plus a huge finite offset still frames finite keys only; an infinite key's
-- frame is its peers.
SELECT CAST(k AS STRING) AS k, SUM(v) OVER (ORDER BY k RANGE BETWEEN CURRENT ROW AND 1.7976931348623157e308 FOLLOWING) AS s
FROM UNNEST(ARRAY<STRUCT<k FLOAT64, v INT64>>[(1e308, 1), (1.5e308, 2), (CAST('inf' AS FLOAT64), 4), (CAST('inf' AS FLOAT64), 8)])
ORDER BY v
