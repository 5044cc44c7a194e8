SELECT fullName FROM samples.persons p WHERE 'Austin' IN (SELECT place FROM UNNEST(p.citiesLived)) ORDER BY 1
