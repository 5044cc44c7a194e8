SELECT SPLIT(fullName, ' ')[OFFSET(1)] AS last FROM samples.persons ORDER BY 1
