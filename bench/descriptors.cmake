# YIN and feature-vector throughput (bench_descriptors.cpp); include()d by bench/CMakeLists.txt.
add_executable(bench_descriptors ${CMAKE_CURRENT_LIST_DIR}/bench_descriptors.cpp)
target_link_libraries(bench_descriptors PRIVATE earshot_bench_inputs earshot_dsp benchmark::benchmark)
