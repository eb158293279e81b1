# The try-it page (GET /ui) in headless Chromium (tests/web/ui_test.mjs): Node.js runs
# playwright-core from web/node_modules and drives Debian's /usr/bin/chromium, all installed by
# scripts/setup. The screenshot it saves is left in <build>/test-artefacts/ui.png.
if(TARGET earshot)
  find_program(EARSHOT_NODE node)
  if(NOT EARSHOT_NODE)
    set(EARSHOT_NODE node)  # the test then fails saying so: scripts/setup installs it
  endif()
  add_test(NAME WebUi.UploadShowsClassTimelineAndPictures
    COMMAND ${EARSHOT_NODE} ${CMAKE_CURRENT_LIST_DIR}/ui_test.mjs $<TARGET_FILE:earshot>
            ${PROJECT_BINARY_DIR}/test-artefacts)
  set_tests_properties(WebUi.UploadShowsClassTimelineAndPictures
    PROPERTIES LABELS integration TIMEOUT 180)
endif()
