SELECT n.id, t FROM t.nums n JOIN UNNEST(n.tags) t ON t != 'y' ORDER BY 1, 2
