SELECT 1 FROM t.nums n JOIN t.kinds k ON COUNT(*) > 1
