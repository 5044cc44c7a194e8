SELECT n.id, k.name FROM t.nums n JOIN t.kinds k ON k.id = n.id + 1 ORDER BY n.id, k.name
