SELECT field_path, data_type FROM samples.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS WHERE column_name = 'children' ORDER BY field_path
