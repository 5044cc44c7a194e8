-- MAX and MIN return NaN when any input is NaN (BigQuery's rule), whichever end it sorts at.
SELECT CAST(MAX(x) AS STRING) AS mx, CAST(MIN(x) AS STRING) AS mn, CAST(MAX(IF(IS_NAN(x), NULL, x)) AS STRING) AS my
FROM UNNEST([1.0, CAST('nan' AS FLOAT64), 3.0]) AS x
