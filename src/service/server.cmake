# earshot_service_server: the HTTP server of `earshot serve` (Boost.Beast/Asio coroutines),
# its routes, worker pool, metrics, log and API description. Included from src/CMakeLists.txt
# after service.cmake and config.cmake; sources are named relative to this file.
find_package(Boost 1.81 REQUIRED)
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)

# The OpenAPI document is data (openapi.json), compiled into the binary as a string.
set(EARSHOT_OPENAPI_JSON ${CMAKE_CURRENT_LIST_DIR}/openapi.json)
file(READ ${EARSHOT_OPENAPI_JSON} EARSHOT_OPENAPI_TEXT)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${EARSHOT_OPENAPI_JSON})
configure_file(${CMAKE_CURRENT_LIST_DIR}/openapi_document.cpp.in
  ${PROJECT_BINARY_DIR}/generated/openapi_document.cpp @ONLY)

add_library(earshot_service_server STATIC
  ${CMAKE_CURRENT_LIST_DIR}/analysis_pipeline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/api_docs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/body_budget.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dependency_checks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/job_setup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_catalog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prometheus.cpp
  ${CMAKE_CURRENT_LIST_DIR}/redis_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/routes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/routes_jobs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/routes_models.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/service_log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/web_ui.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker_pool.cpp
  ${PROJECT_BINARY_DIR}/generated/openapi_document.cpp)
# The try-it page (GET /ui), compiled in like the content model.
earshot_embed_file(earshot_service_server ${PROJECT_SOURCE_DIR}/web/ui/index.html earshot_web_ui_html)
earshot_embed_file(earshot_service_server ${PROJECT_SOURCE_DIR}/web/ui/app.js earshot_web_ui_js)
earshot_embed_file(earshot_service_server ${PROJECT_SOURCE_DIR}/web/ui/style.css earshot_web_ui_css)
target_link_libraries(earshot_service_server
  PUBLIC earshot_service earshot_service_config earshot_analysis earshot_models
  PRIVATE Boost::headers Threads::Threads spdlog::spdlog PkgConfig::HIREDIS)
# Where api_docs.cpp looks for web/node_modules/swagger-ui-dist when nothing else is set.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/api_docs.cpp
  PROPERTIES COMPILE_DEFINITIONS EARSHOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# GCC 12 reports -Wmismatched-new-delete at the end of request_reader.cpp's coroutines under
# the sanitizers: Asio's awaitable frames pair their own operator new and delete, which GCC's
# check does not see through. The warning is about Asio's frame allocator, not earshot's code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/request_reader.cpp
    PROPERTIES COMPILE_OPTIONS -Wno-mismatched-new-delete)
endif()
