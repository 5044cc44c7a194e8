CREATE OR REPLACE TABLE scratch.inv (product STRING, quantity INT64);
INSERT INTO scratch.inv VALUES ('dryer', 30), ('oven', 5), ('washer', 20);
MERGE INTO scratch.inv AS T
USING (SELECT 'oven' AS product, 7 AS quantity UNION ALL SELECT 'fridge', 1) AS S
ON T.product = S.product
WHEN MATCHED THEN UPDATE SET quantity = S.quantity
WHEN NOT MATCHED BY TARGET THEN INSERT ROW
WHEN NOT MATCHED BY SOURCE AND T.quantity > 25 THEN DELETE
