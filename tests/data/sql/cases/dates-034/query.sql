SELECT
  TIMESTAMP_TRUNC(TIMESTAMP '2024-03-10 12:00:00+00', DAY, 'America/Los_Angeles') AS day_la,
  DATE(TIMESTAMP '2024-01-01 03:00:00+00', 'America/New_York') AS d_ny,
  DATETIME(TIMESTAMP '2024-07-01 12:00:00+00', 'Asia/Kolkata') AS dt_kolkata,
  EXTRACT(HOUR FROM TIMESTAMP '2024-07-01 12:00:00+00' AT TIME ZONE 'Europe/Berlin') AS h_berlin,
  FORMAT_TIMESTAMP('%F %T %z %Z', TIMESTAMP '2024-01-15 12:00:00+00', 'America/Los_Angeles') AS formatted,
  TIMESTAMP('2024-03-10 02:30:00', 'America/Los_Angeles') AS skipped_hour,
  TIMESTAMP '2024-11-03 01:30:00 America/Los_Angeles' AS repeated_hour
