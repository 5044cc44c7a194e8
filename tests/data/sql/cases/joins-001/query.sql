SELECT n.id, k.name FROM t.nums n JOIN t.kinds k ON n.id = k.id ORDER BY n.id, k.name
