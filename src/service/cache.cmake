# The result cache (result_cache.hpp, cache_key.hpp, single_flight.hpp), part of
# earshot_service_server. Included from src/CMakeLists.txt after server.cmake.
find_package(OpenSSL REQUIRED)  # SHA-256 of cache keys, random lock tokens

target_sources(earshot_service_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cache_key.cpp
  ${CMAKE_CURRENT_LIST_DIR}/result_cache.cpp
  ${CMAKE_CURRENT_LIST_DIR}/single_flight.cpp)
target_link_libraries(earshot_service_server PRIVATE OpenSSL::Crypto)
