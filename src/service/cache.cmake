# The result cache (result_cache.hpp, cache_key.hpp, single_flight.hpp), part of
# earshot_service_server. Included from src/CMakeLists.txt after server.cmake.
