SET @@time_zone = 'Nowhere/Else';
SELECT 1
