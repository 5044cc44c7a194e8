SELECT JSON_VALUE('not json', '$.a') AS v
