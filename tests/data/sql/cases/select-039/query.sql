-- Arrays may hold NULLs inside a query; IN an empty or NULL array is FALSE even for NULL.
SELECT ARRAY_LENGTH([1, NULL]) AS n,
       NULL IN UNNEST(CAST(NULL AS ARRAY<STRING>)) AS in_null_array,
       NULL NOT IN UNNEST(ARRAY<STRING>[]) AS not_in_empty,
       NULL IN UNNEST(['x', NULL]) AS null_in,
       1 IN UNNEST([1, NULL]) AS found,
       ARRAY_LENGTH(ARRAY(SELECT x FROM UNNEST([3, NULL, 1]) AS x)) AS from_subquery
