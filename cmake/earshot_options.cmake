# Compiler flags shared by every earshot target, applied through the interface target
# earshot_options so that third-party code is never built with -Werror.
add_library(earshot_options INTERFACE)
target_compile_options(earshot_options INTERFACE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor)
target_include_directories(earshot_options INTERFACE ${PROJECT_SOURCE_DIR}/src)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # clang reports an `omp simd` loop it could not vectorise (e.g. under sanitizers) as a
  # warning; the code is correct either way, so it must not fail the build.
  target_compile_options(earshot_options INTERFACE -Wno-pass-failed)
endif()

if(EARSHOT_SANITIZE)
  set(sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${sanitize_flags})
  add_link_options(${sanitize_flags})
endif()

if(EARSHOT_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
