SELECT RANK() OVER nowin FROM samples.persons WINDOW w AS (ORDER BY age)
