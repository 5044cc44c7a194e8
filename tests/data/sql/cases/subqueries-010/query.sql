WITH persons AS (SELECT fullName FROM samples.persons WHERE fullName LIKE 'J%') SELECT fullName FROM persons
