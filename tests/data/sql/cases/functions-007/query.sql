SELECT 7 / 2 AS d, 7 - 10 AS m, 3 * 4 AS p, -(-5) AS n, MOD(7, 3) AS r, ABS(-4) AS a, ROUND(2.567, 2) AS rr
