CREATE OR REPLACE TABLE scratch.inv (product STRING, quantity INT64);
INSERT INTO scratch.inv VALUES ('dryer', 30), ('oven', 5);
MERGE scratch.inv T USING (SELECT 'dryer' AS product, 1 AS q UNION ALL SELECT 'dryer', 2) S ON T.product = S.product
WHEN MATCHED THEN UPDATE SET quantity = S.q
