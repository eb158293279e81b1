# The XGBoost C API wrapper (src/models/xgboost_booster): trains on generated data, checks the
# saved JSON trees by hand; no files are fetched.
earshot_add_test(earshot_xgboost_tests LABEL unit TIMEOUT 60
  SOURCES models/xgboost_booster_test.cpp
  LIBRARIES earshot_models nlohmann_json::nlohmann_json)
