# Configuration and error mapping of `earshot serve` (config.hpp, env_file.hpp, http_errors.hpp):
# no sockets, so it builds and tests without the HTTP stack.
add_library(earshot_service_config STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/env_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_errors.cpp)
target_link_libraries(earshot_service_config PUBLIC earshot_core nlohmann_json::nlohmann_json)
