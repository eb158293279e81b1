# Background jobs (jobs.hpp and its queues), part of earshot_service_server. Included from
# src/CMakeLists.txt after server.cmake.
target_sources(earshot_service_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/callback.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jobs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/memory_jobs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redis_jobs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redis_job_worker.cpp)
# callback.cpp posts with libcurl, as fetch.cpp (in earshot_service) downloads with it.
target_link_libraries(earshot_service_server PRIVATE CURL::libcurl nlohmann_json::nlohmann_json)
