DECLARE total INT64 DEFAULT 0;
CREATE TABLE scratch.orders (id INT64, amount INT64);
INSERT INTO scratch.orders VALUES (1, 10), (2, 25), (3, 40);
SET total = (SELECT SUM(amount) FROM scratch.orders);
IF total > 50 THEN
  DELETE FROM scratch.orders WHERE amount < 20;
END IF;
ASSERT (SELECT COUNT(*) FROM scratch.orders) = 2 AS 'two orders are left';
SELECT id, amount, total FROM scratch.orders ORDER BY id
