SELECT JSON_VALUE(PARSE_JSON('{"a": [10, 20]}'), '$.a[1]') AS v, JSON_VALUE(TO_JSON(STRUCT('q' AS k)), '$.k') AS k
