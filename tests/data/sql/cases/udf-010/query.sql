CREATE TEMP FUNCTION twice(x INT64) AS (2 * x);
CREATE TEMP FUNCTION share(part FLOAT64, whole FLOAT64) RETURNS FLOAT64 AS (part / whole);
SELECT MOD(n, 2) = 0 AS g, twice(SUM(n)) AS s, twice(MAX(n)) + twice(COUNT(*)) AS m, share(SUM(n), SUM(SUM(n)) OVER ()) AS p
FROM UNNEST([1, 2, 3, 4]) AS n GROUP BY g ORDER BY g
