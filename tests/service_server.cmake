# Tests of `earshot serve`: the routes and their parts without sockets (unit) and the real
# server on 127.0.0.1 with a Beast client (integration). Included from tests/CMakeLists.txt.
if(TARGET earshot_service_server)
  find_package(Boost 1.81 REQUIRED)
  find_package(Threads REQUIRED)
  earshot_add_test(earshot_service_routes_tests LABEL unit TIMEOUT 60
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/service/api_docs_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/byte_queue_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/model_routes_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/prometheus_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/route_limits_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/routes_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/service_log_test.cpp
    LIBRARIES earshot_service_app)
  # The AST tests read the small checkpoint of tests/data/ast-small.
  target_compile_definitions(earshot_service_routes_tests
    PRIVATE EARSHOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

  earshot_add_test(earshot_service_server_tests LABEL integration TIMEOUT 120
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/service/server_test.cpp
    LIBRARIES earshot_service_app earshot_test_http_server Boost::headers Threads::Threads)
endif()

# GCC 12 at -O2 reports a false -Wmaybe-uninitialized inside Beast's header parser
# (boost::optional in basic_parser::do_field) once the test's synchronous client and server
# inline it; the warning is not in earshot's code, so it is silenced for this file only.
if(TARGET earshot_service_server AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/service/server_test.cpp
    PROPERTIES COMPILE_OPTIONS -Wno-maybe-uninitialized)
endif()

# The analysis routes' result cache, with a loopback HTTP server and a real redis-server.
if(TARGET earshot_service_server)
  earshot_add_test(earshot_service_cached_routes_tests LABEL integration TIMEOUT 60
    SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/service/cached_routes_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/format_routes_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/service/job_routes_test.cpp
    LIBRARIES earshot_service_app earshot_test_http_server Threads::Threads)
  target_compile_definitions(earshot_service_cached_routes_tests
    PRIVATE EARSHOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()

# `earshot worker` as a process, with a real redis-server.
if(TARGET earshot AND TARGET earshot_service_server)
  earshot_add_test(earshot_worker_command_tests LABEL integration TIMEOUT 60
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli/worker_command_test.cpp
    LIBRARIES earshot_service_app earshot_test_http_server Threads::Threads)
  add_dependencies(earshot_worker_command_tests earshot)
  target_compile_definitions(earshot_worker_command_tests
    PRIVATE EARSHOT_TEST_BINARY="$<TARGET_FILE:earshot>")
endif()

# The installed prefix, which is what the Docker image's runtime stage ships: it runs with a
# minimal environment, and its libraries come from the Dockerfile's runtime packages. Not under
# the sanitizers, whose runtime libraries no image ships.
if(TARGET earshot AND NOT EARSHOT_SANITIZE)
  add_test(NAME CheckInstall.PrefixRunsAndMatchesTheDockerfile
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-install ${PROJECT_BINARY_DIR})
  set_tests_properties(CheckInstall.PrefixRunsAndMatchesTheDockerfile
    PROPERTIES LABELS integration TIMEOUT 120)
endif()

# Live streams (POST /streams) from a real icecast2 fed by ffmpeg, all on 127.0.0.1
# (tests/service/live/live_streams_test.py).
if(TARGET earshot AND TARGET earshot_service_server)
  add_test(NAME LiveStreams.IcecastToServerSentEvents
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/service/live/live_streams_test.py
            $<TARGET_FILE:earshot>)
  set_tests_properties(LiveStreams.IcecastToServerSentEvents
    PROPERTIES LABELS integration TIMEOUT 480)
endif()
