-- A STRING casts to INTERVAL in BigQuery's forms ('Y-M', 'D H:M:S', 'Y-M D H:M:S.F') and ISO 8601;
-- anything else fails, so SAFE_CAST gives NULL.
SELECT CAST(CAST('1-2' AS INTERVAL) AS STRING) AS ym, CAST(CAST('PT1H2M' AS INTERVAL) AS STRING) AS iso,
       CAST(CAST('-1-2 3 -4:5:6.789' AS INTERVAL) AS STRING) AS full_form,
       CAST(CAST('P1Y2M3DT4H5M6.5S' AS INTERVAL) AS STRING) AS iso_full,
       SAFE_CAST('1' AS INTERVAL) IS NULL AS bare_number, SAFE_CAST('P1' AS INTERVAL) IS NULL AS bare_iso
