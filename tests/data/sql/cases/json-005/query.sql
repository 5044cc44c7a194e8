SELECT TO_JSON_STRING(p.phoneNumber) AS ph, TO_JSON_STRING(ARRAY(SELECT c.name FROM UNNEST(p.children) c ORDER BY c.name)) AS kids FROM samples.persons p WHERE fullName = 'John Doe'
