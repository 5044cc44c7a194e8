SELECT id FROM t.nums WHERE id IN (SELECT id FROM t.kinds) ORDER BY id
