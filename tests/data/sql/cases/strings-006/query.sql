SELECT ASCII('abc') AS a, ASCII('') AS e, CODE_POINTS_TO_STRING([65, 255, 513]) AS s, TRANSLATE('This is a cookie', 'sco', 'zku') AS t, TRANSLATE('abc', 'abc', 'x') AS dropped
