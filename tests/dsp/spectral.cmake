# STFT, mel filterbank and spectrogram, decibels and MFCC tests (earshot_feature_tests; filter
# 'Stft*:Mel*:Decibel*:Mfcc*').
list(APPEND earshot_feature_test_sources
  dsp/spectral_reference.cpp
  dsp/stft_test.cpp
  dsp/mel_test.cpp
  dsp/mel_spectrogram_test.cpp
  dsp/decibels_test.cpp
  dsp/mfcc_test.cpp)
