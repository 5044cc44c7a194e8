CREATE VIEW scratch.v AS SELECT 1 AS x;
CREATE OR REPLACE VIEW scratch.v AS SELECT 2 AS x, 'two' AS y;
SELECT table_name, view_definition, use_standard_sql FROM scratch.INFORMATION_SCHEMA.VIEWS
