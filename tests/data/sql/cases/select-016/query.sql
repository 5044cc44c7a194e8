SELECT fullName FROM samples.persons WHERE fullName LIKE '%o%' AND NOT fullName LIKE 'M%' ORDER BY 1
