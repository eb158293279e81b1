# Feature tests (audio features that match the reference libraries). Each family appends
# its sources to a list in its own fragment.
set(earshot_feature_test_sources
  dsp/framing_test.cpp dsp/window_test.cpp dsp/fft_test.cpp dsp/sparse_filterbank_test.cpp)
include(dsp/spectral.cmake OPTIONAL)
include(dsp/kaldi.cmake OPTIONAL)
include(dsp/descriptors.cmake OPTIONAL)
include(dsp/content.cmake OPTIONAL)
earshot_add_test(earshot_feature_tests LABEL unit TIMEOUT 60
  SOURCES ${earshot_feature_test_sources}
  LIBRARIES earshot_dsp)
