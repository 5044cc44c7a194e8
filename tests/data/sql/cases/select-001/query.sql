SELECT 1 AS one, 'a' AS s, TRUE AS b, NULL AS n, 2.5 AS f
