SELECT id, SUM(x) OVER (ORDER BY id) AS s, LAG(x) OVER (ORDER BY id) AS px FROM t.nums ORDER BY id
