# SPDX-License-Identifier: MIT
# Warnings and hardening applied per target through quarry_target_defaults().
add_library(quarry_warnings INTERFACE)
if(MSVC)
  target_compile_options(quarry_warnings INTERFACE /W4 /permissive-)
else()
  target_compile_options(quarry_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
    -Wformat=2 -Werror=format-security -Wimplicit-fallthrough
    -fstack-protector-strong)
  if(NOT QUARRY_SANITIZE)
    target_compile_definitions(quarry_warnings INTERFACE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
  endif()
  if(NOT APPLE)
    target_link_options(quarry_warnings INTERFACE -Wl,-z,relro -Wl,-z,now)
  endif()
endif()

# One sanitizer build serves the tests and the fuzzers: AddressSanitizer + UBSan everywhere,
# and (QUARRY_FUZZ, clang) libFuzzer's coverage hooks in the libraries the fuzzers drive.
if(QUARRY_SANITIZE OR QUARRY_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(quarry_target_defaults target)
  target_link_libraries(${target} PRIVATE quarry_warnings)
  get_target_property(kind ${target} TYPE)
  if(QUARRY_FUZZ AND kind STREQUAL "STATIC_LIBRARY")
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()
