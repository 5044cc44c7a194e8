SELECT 1 FROM t.nums n CROSS JOIN t.kinds k ON n.id = k.id
