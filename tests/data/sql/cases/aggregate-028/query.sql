SELECT MAX(s HAVING MIN x) AS s_at_min_x, COUNT(* HAVING MIN id) AS n_min, ARRAY_AGG(id HAVING MAX f) AS ids_at_max_f FROM t.nums
