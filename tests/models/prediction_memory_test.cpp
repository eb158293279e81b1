// What a prediction over a long file costs in memory: 3.9 hours of DC in a 60 KB FLAC, the
// shape of upload that made a whole-file decode take a gigabyte. Each prediction runs in a
// forked child that resets its peak resident set just before predicting, so that neither
// loading the models nor anything else this process did is counted. Its own executable: the
// peaks of other tests would only blur the numbers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "models/audio_prediction.hpp"
#include "models/prediction_json.hpp"
#include "models/registry.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::models {
namespace {

constexpr int kRate = 16000;
constexpr int kLongSeconds = 14000;  // under the decoder's 4 h limit, so it is decoded
constexpr double kStartSeconds = 10.0;
#if defined(__SANITIZE_ADDRESS__)
#define EARSHOT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EARSHOT_ASAN 1
#endif
#endif
// A whole-file decode of the long file at 16 kHz holds about 900 MB of samples alone. Under
// AddressSanitizer freed memory is held back (its quarantine, 256 MB by default) and shadowed,
// which a long stream of small windows fills: still far under that gigabyte.
#ifdef EARSHOT_ASAN
constexpr long kBoundKb = (150 + 256) * 1024;
#else
constexpr long kBoundKb = 150 * 1024;
#endif

long status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  }
  return -1;
}

struct ChildRun {
  bool finished = false;  // the child exited normally
  long peak_rise_kb = -1;
  std::string output;  // what the work returned
};

// Runs `prepare` and then `work` in a forked child; the peak resident set is reset between the
// two, so peak_rise_kb is what `work` added at its highest over where it started.
ChildRun in_child(const std::function<std::function<std::string()>()>& prepare) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {};
  const pid_t pid = fork();
  if (pid < 0) return {};
  if (pid == 0) {
    close(pipe_fds[0]);
    const auto work = prepare();
    std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM := VmRSS
    const long before = status_kb("VmRSS");
    const std::string output = work();
    const std::string report = std::to_string(status_kb("VmHWM") - before) + "\n" + output;
    std::size_t written = 0;
    while (written < report.size()) {
      const auto n = write(pipe_fds[1], report.data() + written, report.size() - written);
      if (n <= 0) _exit(2);
      written += static_cast<std::size_t>(n);
    }
    _exit(0);  // no destructors, no atexit handlers: they belong to the parent
  }
  close(pipe_fds[1]);
  std::string report;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) report.append(buffer, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ChildRun run;
  run.finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const auto newline = report.find('\n');
  if (!run.finished || newline == std::string::npos) return run;
  run.peak_rise_kb = std::strtol(report.c_str(), nullptr, 10);
  run.output = report.substr(newline + 1);
  return run;
}

// "label <json>" or "error <code> <message>".
std::string outcome(const core::Result<Prediction>& prediction) {
  if (!prediction) {
    return "error " + std::string(core::to_string(prediction.error().code)) + " " +
           prediction.error().message;
  }
  nlohmann::ordered_json out;
  write_prediction(*prediction, out);
  return out.dump();
}

class PredictionMemoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    // One second of DC, looped: ffmpeg writes 3.9 hours of it as FLAC frames of 65535 samples,
    // each a few bytes.
    test::write_wav(dir_->file("dc.wav"), test::constant(0.5f, kRate),
                    {.sample_rate = kRate, .channels = 1});
    encoded_ =
        test::ffmpeg_encode(dir_->file("dc.wav"), long_file(),
                            {"-af", "aloop=loop=-1:size=" + std::to_string(kRate), "-t",
                             std::to_string(kLongSeconds), "-c:a", "flac", "-frame_size", "65535"});
    // What the first kStartSeconds of it decode to, as a file of its own.
    test::write_wav(dir_->file("start.wav"),
                    test::constant(0.5f, static_cast<std::size_t>(kStartSeconds * kRate)),
                    {.sample_rate = kRate, .channels = 1});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(encoded_);
    ASSERT_LT(std::filesystem::file_size(long_file()), 1'000'000u);
  }

  static std::filesystem::path long_file() { return dir_->file("long.flac"); }

  // The prediction of the shipped registry's `model` for `file`, read into memory as an
  // upload is, with the registry's settings `settings`.
  static ChildRun predict_in_child(const std::string& model, const std::filesystem::path& file,
                                   RegistrySettings settings) {
    return in_child([=]() -> std::function<std::string()> {
      auto registry = std::make_shared<core::Result<Registry>>(Registry::load_file(
          std::filesystem::path(EARSHOT_SOURCE_DIR) / "config/models.json", settings));
      auto bytes = std::make_shared<std::vector<std::uint8_t>>(test::read_bytes(file));
      return [=]() -> std::string {
        if (!*registry) return "error loading: " + registry->error().message;
        const Model* found = (*registry)->find(model);
        if (found == nullptr) return "error: no model " + model;
        return outcome(predict_bytes(*found, *bytes, {}));
      };
    });
  }

  static test::TempDir* dir_;
  static testing::AssertionResult encoded_;
};

test::TempDir* PredictionMemoryTest::dir_ = nullptr;
testing::AssertionResult PredictionMemoryTest::encoded_ = testing::AssertionFailure();

RegistrySettings reading_the_start() {
  RegistrySettings settings;
  settings.analysis_seconds = kStartSeconds;
  return settings;
}

TEST_F(PredictionMemoryTest, FeatureModelReadsOnlyTheStartOfALongFile) {
  const auto from_long = predict_in_child("pump_demo", long_file(), reading_the_start());
  const auto from_start =
      predict_in_child("pump_demo", dir_->file("start.wav"), reading_the_start());
  ASSERT_TRUE(from_long.finished && from_start.finished);
  EXPECT_EQ(from_long.output.rfind("error", 0), std::string::npos) << from_long.output;
  EXPECT_EQ(from_long.output, from_start.output);
  RecordProperty("peak_rise_kb", std::to_string(from_long.peak_rise_kb));
  EXPECT_GE(from_long.peak_rise_kb, 0);
  EXPECT_LT(from_long.peak_rise_kb, kBoundKb);
}

TEST_F(PredictionMemoryTest, WholeFileFeatureModelRefusesALongFileWithinItsBound) {
  const auto run = predict_in_child("pump_demo", long_file(), {});
  ASSERT_TRUE(run.finished);
  EXPECT_EQ(run.output.rfind("error too_large model 'pump_demo' reads its input whole", 0), 0u)
      << run.output;
  RecordProperty("peak_rise_kb", std::to_string(run.peak_rise_kb));
  EXPECT_GE(run.peak_rise_kb, 0);
  EXPECT_LT(run.peak_rise_kb, kBoundKb);
}

TEST_F(PredictionMemoryTest, ContentModelReadsALongFileWholeInBoundedMemory) {
  const auto run = predict_in_child("content", long_file(), {});
  ASSERT_TRUE(run.finished);
  ASSERT_EQ(run.output.rfind("error", 0), std::string::npos) << run.output;
  const auto prediction = nlohmann::json::parse(run.output);
  EXPECT_EQ(prediction["all_probabilities"].size(), 4u) << run.output;
  RecordProperty("peak_rise_kb", std::to_string(run.peak_rise_kb));
  EXPECT_GE(run.peak_rise_kb, 0);
  EXPECT_LT(run.peak_rise_kb, kBoundKb);
}

}  // namespace
}  // namespace earshot::models
