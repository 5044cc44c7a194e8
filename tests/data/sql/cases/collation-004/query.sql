SELECT
  REPLACE(COLLATE('defAbCdef', 'und:ci'), 'abc', '-') AS r,
  STRPOS(COLLATE('xxABC', 'und:ci'), 'abc') AS p,
  ARRAY_LENGTH(SPLIT(COLLATE('aXbxc', 'und:ci'), 'x')) AS parts,
  STARTS_WITH(COLLATE('Hello', 'und:ci'), 'HE') AS sw,
  ENDS_WITH(COLLATE('Hello', 'und:ci'), 'LO') AS ew,
  COLLATE('Hello', 'und:ci') LIKE 'h%O' AS l,
  'Hello' LIKE 'h%O' AS plain,
  UPPER(COLLATE('a', 'und:ci')) = 'A' AS propagated
