SELECT n, c FROM (SELECT fullName AS n, children.name AS c FROM [samples.persons] WHERE age < 30)
