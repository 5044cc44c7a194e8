SELECT id FROM t.nums WHERE id NOT IN (SELECT x FROM t.nums)
