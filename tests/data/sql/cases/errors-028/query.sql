-- A FLOAT64 SUM of finite values past the largest double is an overflow error, not inf.
SELECT SUM(x) AS s FROM UNNEST([1.1e308, 1.2e308]) AS x
