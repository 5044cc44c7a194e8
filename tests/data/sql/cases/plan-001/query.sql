SELECT IF(gender = 'Male', '0-1 0 0:0:0', '0-0 30 0:0:0') AS s, COUNT(*) AS n FROM samples.persons GROUP BY s ORDER BY s
