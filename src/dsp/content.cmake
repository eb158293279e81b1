# The content classifier's window spectrogram (content-log-mel-v1) and features
# (content-features-v1).
target_sources(earshot_dsp PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/content_features.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_log_mel.cpp)
