-- hash join with an extra condition, FULL: unmatched rows of both sides come out once
SELECT n.id, k.name FROM t.nums n FULL JOIN t.kinds k ON n.id = k.id AND k.name != 'three' ORDER BY n.id, k.name
