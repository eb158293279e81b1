# Feature sources of earshot_dsp, one fragment per family so that they can grow independently.
include(${CMAKE_CURRENT_LIST_DIR}/spectral.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/kaldi.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/descriptors.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/content.cmake OPTIONAL)
