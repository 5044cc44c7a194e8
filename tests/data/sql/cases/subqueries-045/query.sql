SELECT ct.a + ct.b AS total, ct = (1, 2) AS same FROM (SELECT AS STRUCT 1 AS a, 2 AS b) AS ct
