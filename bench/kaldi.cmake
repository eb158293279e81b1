# Kaldi filterbank and AST front end throughput (bench_kaldi.cpp); include()d by
# bench/CMakeLists.txt after earshot_bench_inputs is defined.
add_executable(bench_kaldi ${CMAKE_CURRENT_LIST_DIR}/bench_kaldi.cpp)
# OpenBLAS directly: the dense mel product is timed against the sparse one.
target_link_libraries(bench_kaldi
  PRIVATE earshot_bench_inputs earshot_dsp benchmark::benchmark PkgConfig::OPENBLAS)
