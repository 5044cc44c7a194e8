CREATE FUNCTION scratch.sq(x FLOAT64) AS (x * x);
DROP FUNCTION scratch.sq;
SELECT scratch.sq(2)
