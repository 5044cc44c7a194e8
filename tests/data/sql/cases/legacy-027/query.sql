SELECT fullName FROM [samples.nope]
