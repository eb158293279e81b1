# Frame descriptors (spectral shape, zero-crossing rate, RMS, YIN pitch) and the named feature
# vector earshot-features-v1 built on them.
target_sources(earshot_dsp PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/spectral_descriptors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/temporal_descriptors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/yin.cpp
  ${CMAKE_CURRENT_LIST_DIR}/feature_vector.cpp)
