SELECT g, x,
  PERCENTILE_CONT(x, 0.5) OVER (PARTITION BY g) AS median,
  PERCENTILE_DISC(x, 0.5) OVER (PARTITION BY g) AS disc,
  PERCENTILE_CONT(x, 0.25 RESPECT NULLS) OVER (PARTITION BY g) AS with_nulls
FROM UNNEST([STRUCT('a' AS g, 1 AS x), ('a', 2), ('a', 4), ('a', 10), ('b', NULL), ('b', 5)])
ORDER BY g, x
