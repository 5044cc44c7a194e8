SELECT VAR_POP(x) AS vp, VAR_SAMP(x) AS vs, VARIANCE(x) AS v, STDDEV_POP(x) AS sp, STDDEV(x) AS ss,
  COVAR_POP(x, id) AS cp, COVAR_SAMP(x, id) AS cs, CORR(x, id) AS r,
  VAR_POP(IF(id = 1, x, NULL)) AS one_pop, VAR_SAMP(IF(id = 1, x, NULL)) AS one_samp, CORR(x, 5) AS flat
FROM t.nums
