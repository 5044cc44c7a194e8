SELECT a.id AS a, b.id AS b FROM t.nums a LEFT JOIN t.nums b ON a.x = b.x ORDER BY a
