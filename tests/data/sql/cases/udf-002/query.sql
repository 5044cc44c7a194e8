CREATE TEMP FUNCTION addOne(x ANY TYPE) AS (x + 1);
CREATE TEMP FUNCTION twice(x ANY TYPE) AS (addOne(addOne(x)) - 1 + addOne(0) - 1);
SELECT twice(1) AS a, twice(2.5) AS b, addone(CAST(NULL AS INT64)) AS c
