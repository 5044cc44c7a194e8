SELECT id FROM t.nums WHERE 'z' IN UNNEST(tags)
