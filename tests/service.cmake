# Tests of src/service: the address classification (pure) and the downloader against a
# loopback HTTP server started by each test. Included from tests/CMakeLists.txt.
# The loopback HTTP file server both the fetcher and the server tests download from.
add_library(earshot_test_http_server STATIC ${CMAKE_CURRENT_LIST_DIR}/service/test_http_server.cpp)
target_link_libraries(earshot_test_http_server PUBLIC earshot_options GTest::gtest)
target_include_directories(earshot_test_http_server PUBLIC ${CMAKE_CURRENT_LIST_DIR})

earshot_add_test(earshot_service_unit_tests LABEL unit TIMEOUT 10
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/service/address_policy_test.cpp
  LIBRARIES earshot_service_outbound)

earshot_add_test(earshot_service_tests LABEL integration TIMEOUT 60
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/service/fetch_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/service/fetch_refusal_test.cpp
  LIBRARIES earshot_service_outbound earshot_test_http_server)
