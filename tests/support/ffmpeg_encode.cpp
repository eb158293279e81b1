#include "support/ffmpeg_encode.hpp"

#include <unistd.h>

#include <exception>

#include "support/process.hpp"

namespace earshot::test {

const char* ffmpeg_path() {
  return EARSHOT_TEST_FFMPEG;
}

testing::AssertionResult ffmpeg_encode(const std::filesystem::path& input,
                                       const std::filesystem::path& output,
                                       const std::vector<std::string>& codec_args) {
  if (access(ffmpeg_path(), X_OK) != 0) {
    return testing::AssertionFailure() << "ffmpeg not found at " << ffmpeg_path()
                                       << " (install the ffmpeg package; see scripts/setup)";
  }
  std::vector<std::string> argv = {ffmpeg_path(), "-nostdin", "-v",          "error",
                                   "-y",          "-i",       input.string()};
  argv.insert(argv.end(), codec_args.begin(), codec_args.end());
  argv.push_back(output.string());
  try {
    const ProcessResult result = run_process(argv);
    if (result.exit_code != 0 || !std::filesystem::exists(output)) {
      return testing::AssertionFailure() << "ffmpeg failed to write " << output << " (exit "
                                         << result.exit_code << "): " << result.err;
    }
  } catch (const std::exception& e) {
    return testing::AssertionFailure() << e.what();
  }
  return testing::AssertionSuccess();
}

}  // namespace earshot::test
