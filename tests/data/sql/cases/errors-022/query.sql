SELECT 1 FROM t.nums JOIN t.kinds
