SELECT fullName, SUM(children.age) WITHIN RECORD AS total, MAX(citiesLived.yearsLived) WITHIN RECORD AS last FROM [samples.persons]
