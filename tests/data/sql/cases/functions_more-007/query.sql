SELECT fullName FROM samples.persons WHERE REGEXP_CONTAINS(fullName, r'^J') ORDER BY 1
