# One library per folder of src/, each with an include directory of its own. The directory holds
# a single link, named like the folder ("service/http"), to the folder: so "service/http/x.hpp"
# resolves for the library and for whatever links it (PUBLIC), and for nothing else. An include
# that points up the layers (docs/ARCHITECTURE.md) then fails to compile, besides failing
# scripts/check-layers.
#
#   earshot_layer(earshot_service_http service/http)
function(earshot_layer target folder)
  set(root ${PROJECT_BINARY_DIR}/include/${target})
  get_filename_component(parent ${root}/${folder} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  if(NOT EXISTS ${root}/${folder})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} PUBLIC ${root})
  target_link_libraries(${target} PUBLIC earshot_options)
endfunction()
