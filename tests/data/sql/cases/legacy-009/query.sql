SELECT * FROM [samples.persons]
