-- BEGIN ... EXCEPTION: the handler sees the error; RAISE inside re-raises a new message.
DECLARE msg STRING;
DECLARE after_error BOOL DEFAULT FALSE;
BEGIN
  SELECT 1 / 0;
  SET after_error = TRUE;
EXCEPTION WHEN ERROR THEN
  SET msg = @@error.message;
END;
SELECT msg LIKE '%division by zero%' AS caught, after_error
