SELECT COUNT(*) AS n, SUM(x) AS s FROM t.nums WHERE id > 100
