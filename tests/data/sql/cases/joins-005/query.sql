SELECT n.id AS nid, k.id AS kid FROM t.nums n RIGHT JOIN t.kinds k ON n.id = k.id ORDER BY kid, nid
