SELECT n.id, k.name FROM t.nums AS n INNER JOIN t.kinds AS k ON k.id = n.id AND k.name != 'drei' ORDER BY 1
