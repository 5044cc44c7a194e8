SELECT fullName, ARRAY(SELECT c.name FROM UNNEST(children) c WHERE c.gender = 'Male' ORDER BY c.name) AS boys FROM samples.persons ORDER BY fullName
