# The content classifier's window features (content-features-v1).
target_sources(earshot_dsp PRIVATE ${CMAKE_CURRENT_LIST_DIR}/content_features.cpp)
