SELECT fullName, c.name AS oldest FROM samples.persons p, p.children c WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY fullName ORDER BY c.age DESC) = 1 ORDER BY fullName
