// Runs the real earshot binary built alongside the tests (its path comes from CMake), the way
// a user runs it from a shell.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace earshot::test {

inline ProcessResult run_earshot(std::vector<std::string> args, ProcessOptions options = {}) {
  args.insert(args.begin(), EARSHOT_TEST_BINARY);
  return run_process(args, options);
}

// The lines of `text`, without their '\n'.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace earshot::test
