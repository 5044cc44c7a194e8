SELECT STRUCT(1 AS a, 'x' AS b) AS s, [1, 2] AS arr, ARRAY<FLOAT64>[1, 2] AS fl, STRUCT<n INT64>(5) AS typed
