-- STRING_AGG refuses a NULL separator.
SELECT STRING_AGG(s, CAST(NULL AS STRING)) AS x FROM UNNEST(['a', 'b']) AS s
