# SPDX-License-Identifier: MIT
# A layering rule: fails if any source file under DIR has an #include whose target matches
# PATTERN (a CMake regex of what follows `#include <` or `#include "`). RULE says what the
# rule is, for the failure message. DIR may name several folders (separated by |); EXCEPT, a
# CMake regex of paths, leaves the files it matches out.
string(REPLACE "|" ";" dirs "${DIR}")
set(files "")
foreach(d IN LISTS dirs)
  file(GLOB_RECURSE found "${d}/*.h" "${d}/*.hpp" "${d}/*.cpp" "${d}/*.cc")
  list(APPEND files ${found})
endforeach()
if(EXCEPT)
  list(FILTER files EXCLUDE REGEX "${EXCEPT}")
endif()
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
