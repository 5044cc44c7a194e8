SELECT IF(1 < 2, 'y', 'n') AS i, IFNULL(NULL, 3) AS f, COALESCE(NULL, NULL, 'z') AS c, NULLIF(5, 5) AS nn
