# models/: the model registry (models.json) and the predictors it builds: feature models over
# earshot-features-v1 (XGBoost, multinomial logistic regression) and the built-in content model.
# Above analysis/ (a registry model runs the analysis code: decoding, features, the content
# classifier), below service/ and cli/.
add_library(earshot_models STATIC
  ${CMAKE_CURRENT_LIST_DIR}/artifacts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ast_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ast_predictor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/audio_prediction.cpp
  ${CMAKE_CURRENT_LIST_DIR}/audioset_categories.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_predictor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content_scorer_choice.cpp
  ${CMAKE_CURRENT_LIST_DIR}/feature_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/linear_predictor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prediction.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prediction_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/xgboost_predictor.cpp)
earshot_layer(earshot_models models)
target_link_libraries(earshot_models
  PUBLIC earshot_analysis nlohmann_json::nlohmann_json)
# The AudioSet class -> content class map of the AST predictor, compiled in.
earshot_embed_file(earshot_models ${PROJECT_SOURCE_DIR}/models/ast/audioset_categories.json
  earshot_audioset_categories)
# The XGBoost C API wrapper (loading, prediction and training).
include(${CMAKE_CURRENT_LIST_DIR}/xgboost.cmake)
