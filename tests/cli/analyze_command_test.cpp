// `earshot analyze FILE...` run as a real process: one JSON line per file in input order, errors
// as JSON lines beside complete results, the exit code, --jobs, --pretty, and clean output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/run_earshot.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::cli {
namespace {

using nlohmann::json;
using test::lines_of;
using test::run_earshot;

// The members of a successful line: "file", then those of analysis::to_json.
const std::vector<std::string>& result_keys() {
  static const std::vector<std::string> keys = {
      "file",          "duration",        "sample_rate",
      "channels",      "classification",  "class_probabilities",
      "codec",         "container",       "bit_rate",
      "loudness_lufs", "true_peak_dbfs",  "peak_dbfs",
      "rms_dbfs",      "silent_fraction", "dc_offset",
      "clipped_ratio", "decode_errors",   "warnings",
      "segments"};
  return keys;
}

std::vector<std::string> keys_of(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

class AnalyzeCommandTest : public testing::Test {
 protected:
  // A short stereo WAV whose tone depends on `frequency`, so that results differ per file.
  std::string make_wav(const char* name, double frequency = 440.0, double seconds = 0.5) {
    const auto x = test::sine(frequency, 0.5, 22050, static_cast<std::size_t>(seconds * 22050));
    const auto path = dir_.file(name);
    test::write_wav(path, test::interleave({x, x}), {22050, 2, test::SampleFormat::s16});
    return path.string();
  }

  std::string make_flac(const char* name) {
    const auto wav = make_wav("flac_source.wav", 880.0);
    const auto path = dir_.file(name);
    EXPECT_TRUE(test::ffmpeg_encode(wav, path, {"-c:a", "flac"}));
    return path.string();
  }

  test::TempDir dir_;
};

TEST_F(AnalyzeCommandTest, OneLinePerFileInInputOrderWithErrorsInline) {
  const auto good = make_wav("good.wav");
  const auto missing = dir_.file("missing.wav").string();
  const auto other = make_flac("other.flac");

  const auto result = run_earshot({"analyze", good, missing, other});
  EXPECT_EQ(result.exit_code, 1) << "one file failed, so the run must fail";

  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  const auto first = nlohmann::ordered_json::parse(lines[0]);
  const auto second = nlohmann::ordered_json::parse(lines[1]);
  const auto third = nlohmann::ordered_json::parse(lines[2]);

  EXPECT_EQ(first["file"], good);
  EXPECT_EQ(keys_of(first), result_keys());
  EXPECT_EQ(first["codec"], "pcm_s16le");

  EXPECT_EQ(keys_of(second), (std::vector<std::string>{"file", "error"}));
  EXPECT_EQ(second["file"], missing);
  EXPECT_EQ(keys_of(second["error"]), (std::vector<std::string>{"code", "message"}));
  EXPECT_EQ(second["error"]["code"], "not_found");
  EXPECT_FALSE(second["error"]["message"].get<std::string>().empty());

  EXPECT_EQ(third["file"], other);
  EXPECT_EQ(keys_of(third), result_keys());
  EXPECT_EQ(third["codec"], "flac");
  EXPECT_EQ(third["container"], "flac");
}

TEST_F(AnalyzeCommandTest, SilenceThresholdDecidesWhatIsSilent) {
  // A tone at about -45 dBFS RMS: above the default -50 dBFS, below a -40 dBFS threshold.
  const auto x = test::sine(440.0, 0.008, 16000, 3 * 16000);
  const auto path = dir_.file("quiet.wav").string();
  test::write_wav(path, x, {16000, 1, test::SampleFormat::s16});
  const auto by_default = nlohmann::json::parse(run_earshot({"analyze", path}).out);
  EXPECT_NE(by_default["classification"], "silence");
  const auto raised = run_earshot({"analyze", "--silence-threshold", "-40", path});
  ASSERT_EQ(raised.exit_code, 0) << raised.err;
  EXPECT_EQ(nlohmann::json::parse(raised.out)["classification"], "silence");
  EXPECT_NE(run_earshot({"analyze", "--silence-threshold", "5", path}).exit_code, 0);
}

TEST_F(AnalyzeCommandTest, AllGoodFilesExitZero) {
  const auto a = make_wav("a.wav", 300.0);
  const auto b = make_wav("b.wav", 600.0, 1.0);
  const auto result = run_earshot({"analyze", a, b});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 2u) << result.out;
  EXPECT_EQ(json::parse(lines[0])["duration"], 0.5);
  EXPECT_EQ(json::parse(lines[1])["duration"], 1.0);
  EXPECT_EQ(json::parse(lines[0])["sample_rate"], 22050);
  EXPECT_EQ(json::parse(lines[0])["channels"], 2);
}

TEST_F(AnalyzeCommandTest, EachFailureHasItsOwnCode) {
  const auto text = dir_.file("readme.wav");
  test::write_text(text, "this is not audio, it is a sentence\n");
  const auto empty = dir_.file("empty.wav");
  test::write_text(empty, "");
  const auto long_file = make_wav("long.wav", 440.0, 2.0);

  const auto result = run_earshot({"analyze", "--max-duration", "1", text.string(), empty.string(),
                                   dir_.path().string(), long_file});
  EXPECT_NE(result.exit_code, 0);
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 4u) << result.out;
  const std::vector<std::string> codes = {"unsupported_format", "invalid_input", "io", "too_large"};
  for (std::size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(json::parse(lines[i])["error"]["code"], codes[i]) << lines[i];
  }
}

TEST_F(AnalyzeCommandTest, JobsDoNotChangeTheOutput) {
  // Workers finish in any order; the output must still follow the command line.
  std::vector<std::string> args = {"analyze"};
  args.push_back(make_wav("1.wav", 200.0, 1.5));
  args.push_back(make_wav("2.wav", 300.0, 0.2));
  args.push_back(dir_.file("missing.wav").string());
  args.push_back(make_flac("4.flac"));
  args.push_back(make_wav("5.wav", 500.0, 1.0));
  args.push_back(make_wav("6.wav", 600.0, 0.3));

  auto serial_args = args;
  serial_args.insert(serial_args.begin() + 1, {"--jobs", "1"});
  auto parallel_args = args;
  parallel_args.insert(parallel_args.begin() + 1, {"--jobs", "3"});
  const auto serial = run_earshot(serial_args);
  const auto parallel = run_earshot(parallel_args);

  EXPECT_EQ(parallel.out, serial.out);
  EXPECT_EQ(parallel.exit_code, serial.exit_code);
  const auto lines = lines_of(parallel.out);
  ASSERT_EQ(lines.size(), 6u) << parallel.out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(json::parse(lines[i])["file"], args[i + 1]) << "line " << i;
  }
}

TEST_F(AnalyzeCommandTest, PrettyOutputIsIndentedJson) {
  const auto file = make_wav("pretty.wav");
  const auto result = run_earshot({"analyze", "--pretty", file});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GT(lines_of(result.out).size(), 10u) << "one member per line";
  EXPECT_NE(result.out.find("\n  \"duration\": "), std::string::npos) << result.out;
  const auto parsed = nlohmann::ordered_json::parse(result.out);
  EXPECT_EQ(keys_of(parsed), result_keys());
  EXPECT_EQ(parsed["file"], file);
}

TEST_F(AnalyzeCommandTest, OutputIsCleanWhenStderrIsNotATerminal) {
  // Several files, so a progress bar would be drawn if stderr were a terminal.
  const auto a = make_wav("a.wav");
  const auto b = make_wav("b.wav");
  const auto c = make_wav("c.wav");
  const auto result = run_earshot({"analyze", "--jobs", "2", a, b, c});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.err, "") << "no progress bar or FFmpeg chatter on a redirected stderr";
  EXPECT_EQ(result.out.find_first_of("\r\033"), std::string::npos);
  for (const auto& line : lines_of(result.out)) EXPECT_TRUE(json::accept(line)) << line;
}

TEST_F(AnalyzeCommandTest, ProgressOnATerminalNeverReachesStdout) {
  const auto a = make_wav("a.wav");
  const auto b = make_wav("b.wav");
  const auto result = run_earshot({"analyze", a, b}, {.stderr_is_terminal = true});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.err.find("2/2"), std::string::npos) << "the bar is drawn on the terminal";
  EXPECT_EQ(result.out.find_first_of("\r\033"), std::string::npos);
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 2u) << result.out;
  for (const auto& line : lines) EXPECT_TRUE(json::accept(line)) << line;
}

TEST_F(AnalyzeCommandTest, DoubleDashAllowsFileNamesStartingWithADash) {
  test::write_wav(dir_.file("-take1.wav"), test::sine(440.0, 0.5, 8000, 8000),
                  {8000, 1, test::SampleFormat::s16});
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());  // a relative name, as typed in a shell
  const auto result = run_earshot({"analyze", "--", "-take1.wav"});
  std::filesystem::current_path(previous);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 1u) << result.out;
  EXPECT_EQ(json::parse(lines[0])["file"], "-take1.wav");
}

TEST_F(AnalyzeCommandTest, FileNamesThatAreNotUtf8StillGiveValidJson) {
  // Linux file names are bytes; the output line must stay parseable JSON.
  const auto path = dir_.file("caf\xe9.wav");  // Latin-1 e-acute: invalid UTF-8
  test::write_wav(path, test::sine(440.0, 0.5, 8000, 4000), {8000, 1, test::SampleFormat::s16});
  const auto result = run_earshot({"analyze", path.string()});
  EXPECT_EQ(result.exit_code, 0) << result.out;
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 1u);
  json parsed;
  ASSERT_NO_THROW(parsed = json::parse(lines[0])) << lines[0];
  EXPECT_EQ(parsed["duration"], 0.5);
}

}  // namespace
}  // namespace earshot::cli
