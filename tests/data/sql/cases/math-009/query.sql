-- NUMERIC division rounds the 10th digit half away from zero; a FLOAT64 SUM keeps a finite
-- total through an intermediate past the largest double.
SELECT NUMERIC '-99999999999999999999999999999.999999999' / 2 AS half, NUMERIC '1' / 3 AS third,
       NUMERIC '2' / 3 AS two_thirds,
       (SELECT SUM(x) FROM UNNEST([1.7976931348623157e308, 1.7976931348623157e307, -1.7976931348623157e308]) AS x)
         = 1.7976931348623157e307 AS finite_sum
