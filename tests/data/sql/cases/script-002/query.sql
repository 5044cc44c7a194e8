-- LOOP with labels, BREAK/CONTINUE, REPEAT and FOR over a query's rows.
DECLARE i INT64 DEFAULT 0;
DECLARE odd STRING DEFAULT '';
DECLARE r INT64 DEFAULT 0;
DECLARE names ARRAY<STRING> DEFAULT [];
scan: LOOP
  SET i = i + 1;
  IF i > 9 THEN BREAK scan; END IF;
  IF MOD(i, 2) = 0 THEN CONTINUE; END IF;
  SET odd = CONCAT(odd, CAST(i AS STRING));
END LOOP scan;
REPEAT
  SET r = r + 5;
UNTIL r >= 12 END REPEAT;
FOR p IN (SELECT name, age FROM UNNEST([STRUCT('ann' AS name, 31 AS age), ('bob', 17), ('cy', 40)]) ORDER BY age) DO
  IF p.age >= 18 THEN
    SET names = ARRAY_CONCAT(names, [UPPER(p.name)]);
  END IF;
END FOR;
SELECT odd, r, names
