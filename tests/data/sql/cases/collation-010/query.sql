SELECT x, COUNT(*) OVER (PARTITION BY COLLATE(x, 'und:ci')) AS n FROM UNNEST(['a', 'A', 'b']) AS x ORDER BY x
