WITH sales AS (
  SELECT 'ann' AS who, 'Q1' AS q, 10 AS amount UNION ALL SELECT 'ann', 'Q2', 5 UNION ALL
  SELECT 'bob', 'Q1', 7 UNION ALL SELECT 'bob', 'Q1', 1 UNION ALL SELECT 'bob', NULL, 3)
SELECT * FROM sales PIVOT (SUM(amount) AS total, COUNT(*) AS n FOR q IN ('Q1', 'Q2' AS second, NULL)) AS p
ORDER BY who
