SELECT a.id AS a, b.id AS b FROM t.nums a RIGHT JOIN t.nums b ON a.id = b.id + 1 WHERE a.id IS NULL ORDER BY b
