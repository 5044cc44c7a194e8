SELECT a.id AS a, b.id AS b FROM t.nums a RIGHT JOIN t.nums b ON a.x = b.x AND a.id > 1 ORDER BY b
