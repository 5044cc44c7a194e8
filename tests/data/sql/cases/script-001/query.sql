-- Variables, WHILE and IF: the first 10 Fibonacci numbers and their even sum.
DECLARE a, b INT64 DEFAULT 1;
DECLARE n INT64 DEFAULT 2;
DECLARE fib ARRAY<INT64> DEFAULT [1, 1];
DECLARE even_sum INT64 DEFAULT 0;
WHILE n < 10 DO
  SET (a, b) = (b, a + b);
  SET fib = ARRAY_CONCAT(fib, [b]);
  IF MOD(b, 2) = 0 THEN
    SET even_sum = even_sum + b;
  ELSEIF b > 50 THEN
    SET even_sum = even_sum + 0;
  ELSE
    SET n = n;
  END IF;
  SET n = n + 1;
END WHILE;
SELECT fib, even_sum, ARRAY_LENGTH(fib) AS n
