SELECT a.id FROM t.nums a LEFT JOIN t.nums b ON a.id = b.id + 1 WHERE b.id IS NULL AND a.id < 3
