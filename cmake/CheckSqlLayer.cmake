# SPDX-License-Identifier: MIT
# Fails if a file of the SQL engine (core/sandbox/sql) includes a header of the sandbox's
# store, server or jobs ("sandbox/X.h" outside sandbox/sql/), of the client (net/, bigquery/,
# auth/, query/, upload/) or HTTP: the engine reads tables only through sql::TableData.
file(GLOB_RECURSE files "${SQL_DIR}/*.h" "${SQL_DIR}/*.cpp")
set(bad "")
foreach(f IN LISTS files)
  file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]((sandbox/[A-Za-z]+\\.h)|net/|bigquery/|auth/|query/|upload/|httplib)")
  if(lines)
    list(APPEND bad "${f}: ${lines}")
  endif()
endforeach()
list(LENGTH files n)
if(bad)
  string(REPLACE ";" "\n" msg "${bad}")
  message(FATAL_ERROR "the SQL engine must not include the store, server or client:\n${msg}")
endif()
message(STATUS "checked ${n} files under sandbox/sql: only the value model and sql/ itself")
