# The socket-free parts of `earshot serve`: configuration (config.hpp, env_file.hpp), the
# error -> HTTP mapping (http_errors.hpp), header values and request-body parsing
# (http_headers.hpp, request_parsing.hpp). No HTTP stack, so it also builds for the fuzzers.
add_library(earshot_service_config STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/env_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_errors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_headers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redis_endpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request_parsing.cpp)
target_link_libraries(earshot_service_config PUBLIC earshot_core nlohmann_json::nlohmann_json)
