-- STRUCT equality is three-valued: a NULL field makes it unknown unless another field differs.
SELECT (1, ('this', NULL)) IN UNNEST([(1, ('that', 3)), (1, ('this', 3))]) AS possible,
       (1, ('this', NULL)) IN UNNEST([(2, ('this', 3))]) AS surely_not,
       (1, ('this', 3)) IN UNNEST([(1, ('that', 3)), (1, ('this', 3))]) AS found,
       STRUCT(1 AS a, CAST(NULL AS INT64) AS b) = STRUCT(1 AS a, 2 AS b) AS eq
