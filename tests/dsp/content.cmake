# The content classifier's window features.
list(APPEND earshot_feature_test_sources dsp/content_features_test.cpp)
