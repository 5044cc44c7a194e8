SELECT ARRAY_MIN([8, 37, NULL, 4, 55]) AS min_int, ARRAY_MAX([8, 37, NULL, 55, 4]) AS max_int,
  ARRAY_MAX([1.5, CAST('NaN' AS FLOAT64), 3.0]) AS max_nan, ARRAY_MIN(['b', 'a', NULL]) AS min_text,
  ARRAY_MAX([DATE '2024-01-02', DATE '2023-12-31']) AS max_date, ARRAY_MAX(CAST(NULL AS ARRAY<INT64>)) AS of_null,
  ARRAY_MIN(ARRAY<INT64>[]) AS of_empty, ARRAY_MAX([CAST(NULL AS INT64)]) AS only_nulls
