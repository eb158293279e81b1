# Spectral features: STFT, mel filterbank and spectrogram, decibels, MFCC.
target_sources(earshot_dsp PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/blas_threads.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decibels.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mel_spectrogram.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mfcc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stft.cpp)
