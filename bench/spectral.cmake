# Spectral features (STFT, mel spectrogram sparse and dense, MFCC): see bench/README.md.
add_executable(bench_spectral ${CMAKE_CURRENT_LIST_DIR}/bench_spectral.cpp)
target_link_libraries(bench_spectral PRIVATE earshot_bench_inputs earshot_dsp benchmark::benchmark)
