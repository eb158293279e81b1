# Unit tests of the service configuration and the error -> HTTP mapping (src/service/config.cmake).
earshot_add_test(earshot_service_config_tests LABEL unit TIMEOUT 10
  SOURCES service/config_test.cpp service/env_file_test.cpp service/http_errors_test.cpp
  LIBRARIES earshot_service_config)
