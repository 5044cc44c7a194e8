SELECT
  fullName,
  COUNT(children.name) WITHIN RECORD AS numberOfChildren
FROM [docs.persons4];
