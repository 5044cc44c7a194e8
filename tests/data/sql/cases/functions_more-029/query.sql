SELECT x, IF(x = 0, 0, DIV(10, x)) AS d, COALESCE(x, ERROR('never')) AS c, IFNULL(x, ERROR('never')) AS i
FROM UNNEST([0, 5]) AS x ORDER BY x
