SELECT LEFT('héj', 0) AS a, RIGHT('héj', 0) AS b, RIGHT('', 2) AS c, LEFT('héj', 9) AS d
