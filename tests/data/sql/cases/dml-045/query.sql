CREATE TABLE nosuch.c (a INT64)
