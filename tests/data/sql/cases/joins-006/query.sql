SELECT n.id AS nid, k.id AS kid FROM t.nums n FULL OUTER JOIN t.kinds k ON n.id = k.id ORDER BY nid NULLS LAST, kid
