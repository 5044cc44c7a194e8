SELECT id FROM t.nums WHERE id NOT IN (SELECT id FROM t.kinds)
