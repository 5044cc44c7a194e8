SELECT * FROM (SELECT fullName, ARRAY_LENGTH(children) AS kids FROM samples.persons) ORDER BY kids DESC LIMIT 1
