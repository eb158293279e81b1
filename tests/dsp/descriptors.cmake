# Frame descriptors (spectral shape, zero-crossing rate, RMS, YIN) and the feature vector
# (earshot_feature_tests; filter
# 'SpectralDescriptors*:ZeroCrossingRate*:FrameRms*:TemporalDescriptors*:*Yin*:FeatureVector*').
list(APPEND earshot_feature_test_sources
  dsp/spectral_descriptors_test.cpp
  dsp/temporal_descriptors_test.cpp
  dsp/yin_test.cpp
  dsp/feature_vector_test.cpp)
