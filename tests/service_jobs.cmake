# Tests of the background jobs. Included from tests/CMakeLists.txt.
#   unit         the queue-independent parts of jobs.hpp
#   integration  the callback sender against a loopback receiver, the in-memory queue, and the
#                Redis queue and worker against a real redis-server, in this process and as
#                worker processes (job_worker_main.cpp) that the tests start and kill; and
#                live streams handed to workers through Redis
if(TARGET earshot_service_server)
  earshot_add_test(earshot_service_jobs_unit_tests LABEL unit TIMEOUT 10
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/service/jobs_test.cpp
    LIBRARIES earshot_service_app nlohmann_json::nlohmann_json)

  # A RedisJobWorker process with a test handler, for the tests that need real processes.
  add_executable(earshot_test_job_worker ${CMAKE_CURRENT_LIST_DIR}/service/job_worker_main.cpp)
  target_link_libraries(earshot_test_job_worker PRIVATE earshot_service_app)

  earshot_add_test(earshot_service_jobs_tests LABEL integration TIMEOUT 30
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/service/jobs_callback_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/jobs_memory_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/jobs_redis_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/jobs_worker_process_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/jobs_test_support.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/streams_redis_test.cpp
    LIBRARIES earshot_service_app earshot_test_http_server nlohmann_json::nlohmann_json)
  target_include_directories(earshot_service_jobs_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  add_dependencies(earshot_service_jobs_tests earshot_test_job_worker)
  target_compile_definitions(earshot_service_jobs_tests
    PRIVATE EARSHOT_JOB_WORKER="$<TARGET_FILE:earshot_test_job_worker>")
endif()
