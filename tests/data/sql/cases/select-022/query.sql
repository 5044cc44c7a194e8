SELECT phoneNumber.* FROM samples.persons ORDER BY 1
