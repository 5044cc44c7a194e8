SELECT 1 FROM t.nums n LEFT OUTER t.kinds k ON TRUE
