SELECT COUNT(*) AS n, 'x' AS c FROM samples.persons GROUP BY ALL
