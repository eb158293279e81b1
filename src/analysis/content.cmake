# The content classifier of earshot_analysis, and the shipped model compiled in as bytes (the
# binary classifies with no file to find). Included from src/CMakeLists.txt.
target_sources(earshot_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/content_classifier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_cnn.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_scorer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_timeline.cpp)
earshot_embed_file(earshot_analysis ${PROJECT_SOURCE_DIR}/models/content/content-cnn-v2.safetensors
  earshot_content_cnn)
target_link_libraries(earshot_analysis PUBLIC earshot_nn)
