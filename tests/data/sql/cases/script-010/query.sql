-- A column wins over a variable of the same name; a name no column has is the variable.
DECLARE age INT64 DEFAULT 100;
DECLARE cutoff INT64 DEFAULT 18;
SELECT name, age FROM UNNEST([STRUCT('ann' AS name, 31 AS age), ('bob', 17)]) WHERE age >= cutoff
