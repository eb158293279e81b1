# The content classifier's window spectrogram and features.
list(APPEND earshot_feature_test_sources dsp/content_features_test.cpp
  dsp/content_log_mel_test.cpp)
