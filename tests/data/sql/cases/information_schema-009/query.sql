CREATE FUNCTION scratch.area(w FLOAT64, h FLOAT64) RETURNS FLOAT64 AS (w * h);
CREATE FUNCTION scratch.first_of(xs ANY TYPE) AS (xs[SAFE_OFFSET(0)]);
SELECT specific_name, ordinal_position, parameter_name, data_type, scratch.area(ordinal_position, 2) AS twice
FROM scratch.INFORMATION_SCHEMA.PARAMETERS ORDER BY specific_name, ordinal_position
