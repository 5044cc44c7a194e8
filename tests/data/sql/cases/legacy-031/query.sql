SELECT n FROM FLATTEN((SELECT fullName AS n, children.name AS c FROM [samples.persons]), c)
