CREATE OR REPLACE TABLE scratch.inv (product STRING, quantity INT64);
INSERT INTO scratch.inv VALUES ('dryer', 30);
MERGE scratch.inv T USING t.kinds S ON FALSE
WHEN NOT MATCHED BY SOURCE THEN UPDATE SET quantity = quantity + 1
WHEN NOT MATCHED THEN INSERT (product) VALUES (S.name);
SELECT * FROM scratch.inv ORDER BY product
