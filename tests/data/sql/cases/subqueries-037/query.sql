SELECT gender, (SELECT COUNT(*) FROM UNNEST(children)) AS k FROM samples.persons GROUP BY gender
