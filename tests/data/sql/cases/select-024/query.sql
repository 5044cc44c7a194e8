SELECT c.* FROM samples.persons, UNNEST(children) AS c WHERE c.name = 'Kit'
