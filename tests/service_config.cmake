# Unit tests of the socket-free service pieces (src/service/config, src/service/http): configuration, the
# error -> HTTP mapping, header values and request-body parsing.
earshot_add_test(earshot_service_config_tests LABEL unit TIMEOUT 10
  SOURCES service/config_test.cpp service/env_file_test.cpp service/http_errors_test.cpp
    service/http_headers_test.cpp service/request_parsing_test.cpp service/env_example_test.cpp
  LIBRARIES earshot_service_config earshot_service_http)
target_compile_definitions(earshot_service_config_tests
  PRIVATE EARSHOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
