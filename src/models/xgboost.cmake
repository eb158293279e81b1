# The XGBoost C API wrapper (models/xgboost_booster), over Debian's libxgboost-dev. Its CMake
# package cannot be used: XGBoostTargets.cmake also imports the `xgboost` command-line tool,
# which libxgboost-dev does not install, so find_package(xgboost) fails. The library and its
# header are found by name instead. PRIVATE: only xgboost_booster.cpp includes
# <xgboost/c_api.h>.
find_library(XGBOOST_LIBRARY xgboost REQUIRED)
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
target_sources(earshot_models PRIVATE ${CMAKE_CURRENT_LIST_DIR}/xgboost_booster.cpp
  ${CMAKE_CURRENT_LIST_DIR}/xgboost_model_bytes.cpp)
target_include_directories(earshot_models SYSTEM PRIVATE ${XGBOOST_INCLUDE_DIR})
# A full path rather than a (directory-scoped) imported target: earshot_models is static, so
# the library travels to every executable that links it, in whichever directory.
target_link_libraries(earshot_models PRIVATE ${XGBOOST_LIBRARY})
