-- A range variable named twice in one FROM clause is an error, not a silent choice of one.
SELECT k FROM UNNEST([1, 2]) AS k,
        UNNEST([3]) AS K
