SELECT IF(id > 5, ERROR(CONCAT('bad id ', CAST(id AS STRING))), id) AS v, SAFE.ERROR('x') IS NULL AS safe_null
FROM t.nums ORDER BY id
