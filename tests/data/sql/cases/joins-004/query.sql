SELECT n.id AS nid, k.id AS kid, k.name FROM t.nums n LEFT OUTER JOIN t.kinds k ON n.id = k.id AND k.name = 'one' ORDER BY nid
