SELECT fullName FROM samples.persons WHERE
