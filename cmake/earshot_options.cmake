# Compiler flags shared by every earshot target, applied through the interface target
# earshot_options so that third-party code is never built with -Werror.
add_library(earshot_options INTERFACE)
# Warnings fail the build only where the compiler is the one the code is kept clean for
# (scripts/test turns EARSHOT_WERROR on): a user's or a packager's build with another compiler or
# optimisation level must not stop at a new warning.
option(EARSHOT_WERROR "Treat compiler warnings as errors (development and CI builds)" OFF)
target_compile_options(earshot_options INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor)
if(EARSHOT_WERROR)
  target_compile_options(earshot_options INTERFACE -Werror)
endif()
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
