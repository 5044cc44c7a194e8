CREATE FUNCTION scratch.area(w FLOAT64, h FLOAT64) RETURNS FLOAT64 AS (w * h);
CREATE FUNCTION scratch.first_of(xs ANY TYPE) AS (xs[SAFE_OFFSET(0)]);
SELECT routine_name, routine_type, data_type, routine_body, routine_definition, ddl
FROM scratch.INFORMATION_SCHEMA.ROUTINES ORDER BY routine_name
