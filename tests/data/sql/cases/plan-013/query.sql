SELECT n.id, t FROM samples.persons p RIGHT JOIN t.nums n ON p.age = n.x, UNNEST(n.tags) t ORDER BY 1, 2
