# SPDX-License-Identifier: MIT
# quarry_storage_protos: C++ generated at build time from Google's own .proto files for the
# BigQuery Storage API (google.cloud.bigquery.storage.v1) and the google.api / google.rpc files
# they import. The files come from npm: @google-cloud/bigquery-storage ships the first under
# build/protos, google-gax (its dependency) the others; scripts/install-deps.sh runs `npm ci` in
# protos/. protoc, grpc_cpp_plugin and the well-known types (google/protobuf/*.proto) come from
# Debian's protobuf-compiler, protobuf-compiler-grpc and libprotobuf-dev.
# Sets QUARRY_STORAGE_API_FOUND when everything is there.

set(QUARRY_STORAGE_PROTO_MODULES ${PROJECT_SOURCE_DIR}/protos/node_modules CACHE PATH
    "node_modules holding @google-cloud/bigquery-storage and google-gax (their .proto files)")
set(_bqs ${QUARRY_STORAGE_PROTO_MODULES}/@google-cloud/bigquery-storage/build/protos)
set(_gax ${QUARRY_STORAGE_PROTO_MODULES}/google-gax/build/protos)
set(QUARRY_STORAGE_API_FOUND OFF)

find_program(QUARRY_PROTOC protoc)
find_program(QUARRY_GRPC_CPP_PLUGIN grpc_cpp_plugin)
if(PkgConfig_FOUND)
  pkg_check_modules(GRPCPP QUIET IMPORTED_TARGET grpc++)
  pkg_check_modules(PROTOBUF QUIET IMPORTED_TARGET protobuf)
  # Apache Avro's C library (libavro-dev): the Read API's AVRO rows.
  pkg_check_modules(AVRO QUIET IMPORTED_TARGET avro-c)
endif()
find_path(QUARRY_PROTOBUF_INCLUDE google/protobuf/descriptor.proto)
# FlatBuffers' builder and verifier (header-only as used) for the Read API's Arrow messages.
find_path(QUARRY_FLATBUFFERS_INCLUDE flatbuffers/flatbuffers.h)

set(_missing "")
foreach(what QUARRY_PROTOC QUARRY_GRPC_CPP_PLUGIN QUARRY_PROTOBUF_INCLUDE QUARRY_FLATBUFFERS_INCLUDE)
  if(NOT ${what})
    list(APPEND _missing ${what})
  endif()
endforeach()
if(NOT TARGET PkgConfig::GRPCPP OR NOT TARGET PkgConfig::PROTOBUF)
  list(APPEND _missing "grpc++/protobuf libraries")
endif()
if(NOT TARGET PkgConfig::AVRO)
  list(APPEND _missing "libavro (avro-c)")
endif()
if(NOT EXISTS ${_bqs}/google/cloud/bigquery/storage/v1/storage.proto OR NOT EXISTS ${_gax}/google/rpc/status.proto)
  list(APPEND _missing "the npm .proto files (run scripts/install-deps.sh)")
endif()
if(_missing)
  message(STATUS "Storage API (gRPC) left out: missing ${_missing}")
  return()
endif()

set(_storage_protos
  ${_bqs}/google/cloud/bigquery/storage/v1/annotations.proto
  ${_bqs}/google/cloud/bigquery/storage/v1/arrow.proto
  ${_bqs}/google/cloud/bigquery/storage/v1/avro.proto
  ${_bqs}/google/cloud/bigquery/storage/v1/protobuf.proto
  ${_bqs}/google/cloud/bigquery/storage/v1/storage.proto
  ${_bqs}/google/cloud/bigquery/storage/v1/stream.proto
  ${_bqs}/google/cloud/bigquery/storage/v1/table.proto)
set(_api_protos
  ${_gax}/google/api/annotations.proto ${_gax}/google/api/client.proto ${_gax}/google/api/field_behavior.proto
  ${_gax}/google/api/http.proto ${_gax}/google/api/launch_stage.proto ${_gax}/google/api/resource.proto
  ${_gax}/google/rpc/status.proto)

set(_out ${PROJECT_BINARY_DIR}/generated/protos)
file(MAKE_DIRECTORY ${_out})
set(_sources "")
function(_quarry_proto_outputs root proto grpc outvar)
  file(RELATIVE_PATH rel ${root} ${proto})
  string(REGEX REPLACE "\\.proto$" "" stem ${rel})
  set(outs ${_out}/${stem}.pb.cc ${_out}/${stem}.pb.h)
  if(grpc)
    list(APPEND outs ${_out}/${stem}.grpc.pb.cc ${_out}/${stem}.grpc.pb.h)
  endif()
  set(${outvar} ${outs} PARENT_SCOPE)
endfunction()

foreach(proto IN LISTS _api_protos)
  _quarry_proto_outputs(${_gax} ${proto} OFF outs)
  add_custom_command(OUTPUT ${outs}
    COMMAND ${QUARRY_PROTOC} -I${_gax} -I${QUARRY_PROTOBUF_INCLUDE} --cpp_out=${_out} ${proto}
    DEPENDS ${proto} VERBATIM)
  list(APPEND _sources ${outs})
endforeach()
foreach(proto IN LISTS _storage_protos)
  set(grpc OFF)
  if(proto MATCHES "/storage\\.proto$")
    set(grpc ON)
  endif()
  _quarry_proto_outputs(${_bqs} ${proto} ${grpc} outs)
  set(plugin "")
  if(grpc)
    set(plugin --grpc_out=${_out} --plugin=protoc-gen-grpc=${QUARRY_GRPC_CPP_PLUGIN})
  endif()
  add_custom_command(OUTPUT ${outs}
    COMMAND ${QUARRY_PROTOC} -I${_bqs} -I${_gax} -I${QUARRY_PROTOBUF_INCLUDE} --cpp_out=${_out} ${plugin} ${proto}
    DEPENDS ${proto} VERBATIM)
  list(APPEND _sources ${outs})
endforeach()

add_library(quarry_storage_protos STATIC ${_sources})
target_include_directories(quarry_storage_protos SYSTEM PUBLIC ${_out})
target_link_libraries(quarry_storage_protos PUBLIC PkgConfig::GRPCPP PkgConfig::PROTOBUF)
# Generated code: none of the project's warnings-as-errors.
set_target_properties(quarry_storage_protos PROPERTIES POSITION_INDEPENDENT_CODE ON)
set(QUARRY_STORAGE_API_FOUND ON)
