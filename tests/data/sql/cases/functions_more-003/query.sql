SELECT REGEXP_EXTRACT_ALL('Try `func(x)` or `func(y)`', '`(.+?)`') AS f, REGEXP_EXTRACT_ALL('abc', 'x') AS none
