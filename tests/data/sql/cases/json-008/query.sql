SELECT fullName FROM samples.persons WHERE JSON_VALUE(TO_JSON_STRING(phoneNumber), '$.areaCode') = '206' ORDER BY 1
