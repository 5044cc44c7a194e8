SELECT IF(id = 2, ERROR(CONCAT('bad id ', CAST(id AS STRING))), id) AS v FROM t.nums
