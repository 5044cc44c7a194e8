CREATE TABLE scratch.events2 (d DATE, n INT64, s STRING) PARTITION BY d CLUSTER BY s, n;
SELECT column_name, is_partitioning_column, clustering_ordinal_position
FROM scratch.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'events2' ORDER BY ordinal_position
