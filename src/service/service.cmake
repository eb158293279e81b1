# earshot_service: the pieces of `earshot serve` (so far the URL downloader). Included from
# src/CMakeLists.txt; sources are named relative to this file so the fragment can move.
find_package(CURL REQUIRED)

add_library(earshot_service STATIC
  ${CMAKE_CURRENT_LIST_DIR}/address_policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/curl_support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fetch.cpp)
target_link_libraries(earshot_service
  PUBLIC earshot_core
  PRIVATE earshot_service_config CURL::libcurl)
