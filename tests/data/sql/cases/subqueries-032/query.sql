SELECT SUM((SELECT COUNT(*) FROM UNNEST(children))) AS kids FROM samples.persons
