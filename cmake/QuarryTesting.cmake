# SPDX-License-Identifier: MIT
# quarry_add_test(NAME <name> SOURCES <files> LIBS <targets> [LABELS <labels>] [GTEST])
# Tests link the libraries; they never recompile sources by path.
find_package(GTest REQUIRED)

function(quarry_add_test)
  cmake_parse_arguments(T "GTEST" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  quarry_target_defaults(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE
    QUARRY_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    QUARRY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    QUARRY_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set(env "QT_QPA_PLATFORM=offscreen;LC_ALL=C.UTF-8;LANG=C.UTF-8")
  if(T_GTEST)
    target_link_libraries(${T_NAME} PRIVATE GTest::gtest GTest::gtest_main)
  endif()
  # One CTest test per executable; GoogleTest prints each case, and the labels and
  # environment lists survive intact (gtest_discover_tests splits them).
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "${env}" TIMEOUT ${T_TIMEOUT})
endfunction()
