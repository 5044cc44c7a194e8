-- SELECT * shows an unaliased UNNEST of scalars as an anonymous column (it showed no column,
-- and DISTINCT * collapsed every row into one empty row).
SELECT DISTINCT * FROM UNNEST([3, 1, 3, 2]) ORDER BY 1
