SELECT n.id, n.s, k.name FROM t.nums n LEFT JOIN t.kinds k ON n.id = k.id ORDER BY n.id, k.name
