# Background jobs (jobs.hpp and its queues), part of earshot_service_server. Included from
# src/CMakeLists.txt after server.cmake.
