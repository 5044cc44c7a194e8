SELECT APPROX_TOP_SUM(k, w, 2) AS top
FROM UNNEST([STRUCT('a' AS k, 5 AS w), ('b', 7), ('a', 4), ('c', NULL), ('b', 1)])
