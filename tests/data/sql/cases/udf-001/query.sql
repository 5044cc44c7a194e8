CREATE TEMP FUNCTION AddFourAndDivide(x INT64, y INT64)
RETURNS FLOAT64
AS (
  (x + 4) / y
);
SELECT val, AddFourAndDivide(val, 2) AS r FROM UNNEST([2, 3, 5, 8]) AS val ORDER BY val
