SELECT n.id, t, o FROM t.nums n LEFT JOIN UNNEST(n.tags) t WITH OFFSET o ORDER BY 1, 3
