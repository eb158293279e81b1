# earshot_service_server: the HTTP server of `earshot serve` (Boost.Beast/Asio coroutines),
# its routes and worker pool. Included from src/CMakeLists.txt after service.cmake and
# config.cmake; sources are named relative to this file.
find_package(Boost 1.81 REQUIRED)
find_package(Threads REQUIRED)

add_library(earshot_service_server STATIC
  ${CMAKE_CURRENT_LIST_DIR}/routes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker_pool.cpp)
target_link_libraries(earshot_service_server
  PUBLIC earshot_service earshot_service_config earshot_analysis
  PRIVATE Boost::headers Threads::Threads)
