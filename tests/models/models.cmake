# The model registry (src/models): registry files written by the tests, predictions checked
# against values computed by hand and against Python's xgboost (tests/data/xgboost), streamed
# predictions and their memory, and the XGBoost wrapper.
earshot_add_test(earshot_models_tests LABEL integration TIMEOUT 60
  SOURCES models/registry_test.cpp models/ast_model_test.cpp models/ast_predictor_test.cpp
    models/xgboost_reference_test.cpp models/audio_prediction_test.cpp
  LIBRARIES earshot_models nlohmann_json::nlohmann_json)
include(${CMAKE_CURRENT_LIST_DIR}/xgboost.cmake)
# The peak memory of predictions over a long file, each in a child process; an executable of
# its own so that no other test's allocations count.
earshot_add_test(earshot_models_memory_tests LABEL integration TIMEOUT 120
  SOURCES models/prediction_memory_test.cpp
  LIBRARIES earshot_models nlohmann_json::nlohmann_json)
# The shipped config/models.json is loaded as it is in the source tree.
target_compile_definitions(earshot_models_tests PRIVATE EARSHOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_compile_definitions(earshot_models_memory_tests
  PRIVATE EARSHOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
