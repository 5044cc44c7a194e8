SELECT LOGICAL_AND(age > 20) AS all_adults, ANY_VALUE(kind) AS k FROM samples.persons
