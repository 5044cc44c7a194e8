SELECT REGEXP_EXTRACT('ab', '(a)(b)')
