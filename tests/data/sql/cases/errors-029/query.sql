-- LAG's default must be constant (an array of constants is).
SELECT LAG(x, 1, x) OVER (ORDER BY x) AS l FROM UNNEST([1, 2]) AS x
