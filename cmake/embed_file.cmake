# earshot_embed_file(TARGET FILE SYMBOL): compiles FILE (a path under the source tree) into
# TARGET as `const unsigned char SYMBOL_bytes[]` and `const std::size_t SYMBOL_size`, so that
# the program needs no file at run time. CMake re-runs when FILE changes.
function(earshot_embed_file target file symbol)
  set(EMBED_SYMBOL ${symbol})
  file(RELATIVE_PATH EMBED_NAME ${PROJECT_SOURCE_DIR} ${file})
  file(READ ${file} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," EMBED_BYTES "${hex}")
  set(output ${PROJECT_BINARY_DIR}/generated/${symbol}.cpp)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/embedded_file.cpp.in ${output} @ONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  target_sources(${target} PRIVATE ${output})
endfunction()
