# What `cmake --install` puts under a prefix: the program, Swagger UI's files for /docs (from
# web/node_modules, installed by scripts/setup), and the example registry with its model, laid
# out as in the source tree so that the registry's relative paths hold:
#   bin/earshot
#   share/earshot/swagger-ui/          (api_docs.cpp looks here, next to bin/)
#   share/earshot/config/models.json   (MODELS_CONFIG_PATH)
#   share/earshot/models/pump_demo/
# The runtime image of the Dockerfile is this prefix plus Debian's runtime libraries;
# scripts/check-install proves it works from the prefix alone.
include(GNUInstallDirs)
install(TARGETS earshot RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(EARSHOT_SWAGGER_UI ${PROJECT_SOURCE_DIR}/web/node_modules/swagger-ui-dist)
install(FILES
    ${EARSHOT_SWAGGER_UI}/swagger-ui.css ${EARSHOT_SWAGGER_UI}/index.css
    ${EARSHOT_SWAGGER_UI}/swagger-ui-bundle.js
    ${EARSHOT_SWAGGER_UI}/swagger-ui-standalone-preset.js
    ${EARSHOT_SWAGGER_UI}/favicon-16x16.png ${EARSHOT_SWAGGER_UI}/favicon-32x32.png
    ${EARSHOT_SWAGGER_UI}/LICENSE
  DESTINATION ${CMAKE_INSTALL_DATADIR}/earshot/swagger-ui OPTIONAL)
install(FILES ${PROJECT_SOURCE_DIR}/config/models.json
  DESTINATION ${CMAKE_INSTALL_DATADIR}/earshot/config)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/pump_demo
  DESTINATION ${CMAKE_INSTALL_DATADIR}/earshot/models)
