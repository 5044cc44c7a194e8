SELECT id FROM t.nums a JOIN t.nums b ON a.id = b.id
