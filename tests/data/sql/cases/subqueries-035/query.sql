SELECT (SELECT id FROM t.nums) AS x
