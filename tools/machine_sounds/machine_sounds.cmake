# The synthetic machine-sound data set of earshot's example anomaly model: the library that
# synthesises one clip (tests/tools/machine_sounds_test.cpp) and the tool that writes the data set.
add_library(earshot_machine_sounds STATIC ${CMAKE_CURRENT_LIST_DIR}/machine_sounds.cpp)
target_link_libraries(earshot_machine_sounds PUBLIC earshot_options)
# Included as "machine_sounds/machine_sounds.hpp".
target_include_directories(earshot_machine_sounds PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)

add_executable(earshot-machine-sounds ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(earshot-machine-sounds PRIVATE earshot_machine_sounds CLI11::CLI11)
set_target_properties(earshot-machine-sounds
  PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
