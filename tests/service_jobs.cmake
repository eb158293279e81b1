# Tests of the background jobs. Included from tests/CMakeLists.txt.
