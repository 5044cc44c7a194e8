SELECT JSON_VALUE('{"a":1}', 'a')
