# The content classifier of earshot_analysis, and the shipped model compiled in as bytes (the
# binary classifies with no file to find). Included from src/CMakeLists.txt.
set(EARSHOT_CONTENT_MODEL ${PROJECT_SOURCE_DIR}/models/content/content-v1.safetensors)
set(EARSHOT_CONTENT_MODEL_NAME models/content/content-v1.safetensors)
set(EARSHOT_CONTENT_MODEL_CPP ${PROJECT_BINARY_DIR}/generated/content_model_data.cpp)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${EARSHOT_CONTENT_MODEL})
file(READ ${EARSHOT_CONTENT_MODEL} EARSHOT_CONTENT_MODEL_HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," EARSHOT_CONTENT_MODEL_BYTES
  "${EARSHOT_CONTENT_MODEL_HEX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/content_model_data.cpp.in ${EARSHOT_CONTENT_MODEL_CPP}
  @ONLY)

target_sources(earshot_analysis PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/content_classifier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_timeline.cpp
  ${EARSHOT_CONTENT_MODEL_CPP})
target_link_libraries(earshot_analysis PUBLIC earshot_nn)
