SELECT COUNT(children.name) AS kids, SUM(children.age) AS years FROM [samples.persons]
