SELECT fullName, ARRAY_LENGTH(children) AS kids, children[SAFE_OFFSET(0)].name AS first, children[SAFE_ORDINAL(9)].name AS ninth FROM samples.persons ORDER BY fullName
