CREATE OR REPLACE TABLE scratch.inv (product STRING, quantity INT64);
INSERT INTO scratch.inv VALUES ('dryer', 30), ('oven', 5), ('washer', 20);
CREATE OR REPLACE TABLE scratch.news (product STRING, quantity INT64);
INSERT INTO scratch.news VALUES ('dryer', 10), ('microwave', 20), ('oven', 0);
MERGE scratch.inv T USING scratch.news S ON T.product = S.product
WHEN MATCHED AND S.quantity = 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET quantity = T.quantity + S.quantity
WHEN NOT MATCHED THEN INSERT (product, quantity) VALUES (product, quantity);
SELECT * FROM scratch.inv ORDER BY product
