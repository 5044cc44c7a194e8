SELECT id FROM t.times WHERE tm > TIME '12:00:00' AND s <= 'm' ORDER BY id
