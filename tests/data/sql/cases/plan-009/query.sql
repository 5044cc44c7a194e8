SELECT a.gender, COUNT(*) AS n FROM samples.persons a JOIN samples.persons b USING (gender), UNNEST(b.children) c GROUP BY a.gender ORDER BY 1
