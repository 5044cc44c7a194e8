SELECT COUNT(*) AS n, COUNT(x) AS nx, SUM(x) AS s, AVG(x) AS a, MIN(s) AS mn, MAX(f) AS mx, COUNTIF(x > 15) AS big FROM t.nums
