SELECT k.name, COUNT(n.id) AS c FROM t.kinds k LEFT JOIN t.nums n ON n.id = k.id GROUP BY k.name ORDER BY k.name
