-- RANGE values order by start, then end; an unbounded start comes first, an unbounded end last.
SELECT id FROM t.ranges ORDER BY r
