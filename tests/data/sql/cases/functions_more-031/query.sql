SELECT IS_NAN(LOG(IEEE_DIVIDE(-1, 0), 1)) AS neg_inf_x, IS_NAN(LOG(1, IEEE_DIVIDE(1, 0))) AS inf_base, LOG(IEEE_DIVIDE(1, 0), 10) AS inf_x,
  [1, 2] || [3] AS joined, ARRAY_IS_DISTINCT([1, NULL, 1]) AS dup, ARRAY_FIRST(['a', 'b']) AS first, ARRAY_LAST(['a', 'b']) AS last
