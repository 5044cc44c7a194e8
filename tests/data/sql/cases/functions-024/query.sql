WITH example AS (
  SELECT 1 AS x, "foo" AS y, true AS z UNION ALL
  SELECT 2 AS x, "apple" AS y, false AS z UNION ALL
  SELECT 3 AS x, "" AS y, true AS z
)
SELECT x, FARM_FINGERPRINT(CONCAT(CAST(x AS STRING), y, CAST(z AS STRING))) AS row_fingerprint,
  FARM_FINGERPRINT(b"alphabet") AS bytes_fp, FARM_FINGERPRINT(CAST(NULL AS STRING)) AS null_fp
FROM example ORDER BY x
