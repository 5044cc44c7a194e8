SELECT a.id, b.id AS bid, c.name FROM t.nums a JOIN t.nums b ON b.id = a.id + 1 JOIN t.kinds c ON c.id = b.id ORDER BY c.name
