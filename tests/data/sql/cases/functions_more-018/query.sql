SELECT LPAD('abc', 5) AS a, LPAD('abc', 8, 'xy') AS b, RPAD('abc', 2) AS c, RPAD('ab', 5, 'é') AS d
