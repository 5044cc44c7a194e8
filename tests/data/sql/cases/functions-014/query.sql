SELECT 'abc' || 'def' AS c, 'x' = 'x' AS eq, 1 != 2 AS ne, NULL = NULL AS nn, TRUE OR NULL AS t, FALSE AND NULL AS f
