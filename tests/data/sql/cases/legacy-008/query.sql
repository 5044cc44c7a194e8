#legacySQL
SELECT COUNT(*) AS n, COUNT(DISTINCT fullName) AS people FROM [samples.persons], [samples.persons]
