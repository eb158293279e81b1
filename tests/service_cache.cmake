# Tests of the result cache. Included from tests/CMakeLists.txt.
