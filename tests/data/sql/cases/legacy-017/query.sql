SELECT nope FROM [samples.persons]
