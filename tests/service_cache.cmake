# Tests of the result cache. Included from tests/CMakeLists.txt.
#   unit         cache keys (hashing and URL normalisation)
#   integration  the memory and Redis caches and single flight, against a real redis-server
if(TARGET earshot_service_server)
  find_package(Threads REQUIRED)
  earshot_add_test(earshot_service_cache_key_tests LABEL unit TIMEOUT 10
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/service/cache_key_test.cpp
    LIBRARIES earshot_service_app)

  earshot_add_test(earshot_service_cache_tests LABEL integration TIMEOUT 30
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/service/result_cache_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/single_flight_test.cpp
    LIBRARIES earshot_service_app Threads::Threads)
endif()
