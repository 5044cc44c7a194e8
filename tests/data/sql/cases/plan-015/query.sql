SELECT COUNT(*) AS n FROM t.nums a JOIN t.nums b ON a.id = b.id WHERE b.id != 1 AND 1 / (a.id - 1) > 0 AND a.id > 0
