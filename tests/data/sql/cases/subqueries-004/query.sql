WITH a AS (SELECT 1 AS v), b AS (SELECT v + 1 AS v FROM a) SELECT a.v, b.v AS w FROM a, b
