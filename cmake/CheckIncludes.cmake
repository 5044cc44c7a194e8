# SPDX-License-Identifier: MIT
# A layering rule: fails if any source file under DIR has an #include whose target matches
# PATTERN (a CMake regex of what follows `#include <` or `#include "`). RULE says what the
# rule is, for the failure message.
file(GLOB_RECURSE files "${DIR}/*.h" "${DIR}/*.hpp" "${DIR}/*.cpp" "${DIR}/*.cc")
set(bad "")
foreach(f IN LISTS files)
  file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](${PATTERN})")
  if(lines)
    list(APPEND bad "${f}: ${lines}")
  endif()
endforeach()
list(LENGTH files n)
if(bad)
  string(REPLACE ";" "\n" msg "${bad}")
  message(FATAL_ERROR "${RULE}:\n${msg}")
endif()
message(STATUS "checked ${n} files under ${DIR}: ${RULE}")
