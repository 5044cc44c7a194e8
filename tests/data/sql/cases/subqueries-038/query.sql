SELECT id IN (SELECT id, x FROM t.nums) FROM t.nums
