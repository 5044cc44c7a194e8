SELECT REGEXP_CONTAINS('foo@example.com', r'@[a-z]+\.com') AS a, REGEXP_CONTAINS('abc', 'x') AS b
