-- Writing out an array with a NULL element is the error, not building it.
SELECT ARRAY_LENGTH([1, NULL]) AS n, [1, NULL] AS a
