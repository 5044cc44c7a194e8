SELECT COUNT(DISTINCT IF(age > 30, 0.0, -0.0)) AS zeros,
  COUNT(DISTINCT IF(age > 30, CAST('NaN' AS FLOAT64), -CAST('NaN' AS FLOAT64))) AS nans,
  COUNT(DISTINCT IF(age > 40, NULL, gender)) AS genders
FROM samples.persons
