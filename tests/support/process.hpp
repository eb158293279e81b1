// Runs a program the way a user would, without a shell: arguments go to the program verbatim,
// stdin is /dev/null, and stdout and stderr are captured separately. stderr is a file, as in a
// pipeline or CI job, unless a terminal is asked for.
#pragma once

#include <string>
#include <vector>

namespace earshot::test {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

struct ProcessOptions {
  // Give the child a pseudo-terminal as stderr, as an interactive user has; its output is
  // still captured in ProcessResult::err.
  bool stderr_is_terminal = false;
};

// argv[0] is the program's path. Throws std::runtime_error when it cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, ProcessOptions options = {});

}  // namespace earshot::test
