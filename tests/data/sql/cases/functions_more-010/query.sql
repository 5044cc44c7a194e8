SELECT ARRAY_TO_STRING(['a', 'b'], '-') AS x, ARRAY_TO_STRING(SPLIT('c,b,a'), '') AS y, ARRAY_TO_STRING(SPLIT(''), '-') AS z
