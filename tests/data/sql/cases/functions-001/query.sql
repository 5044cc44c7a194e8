SELECT CONCAT('a', 'b', 'c') AS c, LOWER('AbC') AS l, UPPER('x') AS u, LENGTH('héllo') AS n, BYTE_LENGTH('héllo') AS b
