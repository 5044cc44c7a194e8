-- Arithmetic with a bare NULL literal is refused where it is written, as BigQuery does.
SELECT 1 + NULL AS x
