SELECT SUBSTR('héllo', 2, 3) AS a, SUBSTR('hello', -3) AS b, TRIM('  x  ') AS t, REPLACE('aXbX', 'X', '-') AS r, STARTS_WITH('abc', 'ab') AS sw, STRPOS('abc', 'c') AS p
