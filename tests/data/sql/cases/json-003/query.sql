-- a NULL array (not an array, or not all scalars) is written as [], as BigQuery writes it
SELECT JSON_QUERY_ARRAY('{"a":[1,"x",{"k":null}]}', '$.a') AS qa, JSON_VALUE_ARRAY('["a",1,true]') AS va, JSON_VALUE_ARRAY('[1,[2]]') AS mixed, JSON_EXTRACT_ARRAY('[]') AS empty, JSON_QUERY_ARRAY('{"a":1}', '$.a') AS notArray
