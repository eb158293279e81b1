// Analyzer end to end on generated files: the same bytes give the same JSON whether read from a
// path or from memory, the reported facts are the original file's, and levels are measured.
#include "analysis/analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "analysis/analysis_result.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::analysis {
namespace {

using core::ErrorCode;

class AnalyzerTest : public testing::Test {
 protected:
  // A 1 s stereo tone with different levels per channel, as 16-bit WAV.
  std::filesystem::path make_wav(const char* name, int rate = 44100, double seconds = 1.0) {
    const auto frames = static_cast<std::size_t>(std::lround(seconds * rate));
    const auto left = test::sine(1000.0, 0.5, rate, frames);
    const auto right = test::sine(500.0, 0.25, rate, frames);
    const auto path = dir_.file(name);
    test::write_wav(path, test::interleave({left, right}), {rate, 2, test::SampleFormat::s16});
    return path;
  }

  test::TempDir dir_;
  Analyzer analyzer_;
};

TEST_F(AnalyzerTest, FileAndBytesGiveIdenticalJson) {
  const auto wav = make_wav("tone.wav");
  const auto flac = dir_.file("tone.flac");
  const auto mp3 = dir_.file("tone.mp3");
  ASSERT_TRUE(test::ffmpeg_encode(wav, flac, {"-c:a", "flac"}));
  ASSERT_TRUE(test::ffmpeg_encode(wav, mp3, {"-c:a", "libmp3lame", "-b:a", "128k"}));
  for (const auto& path : {wav, flac, mp3}) {
    auto from_file = analyzer_.analyze_file(path);
    ASSERT_TRUE(from_file.ok()) << path << ": " << from_file.error().message;
    const auto bytes = test::read_bytes(path);
    auto from_bytes = analyzer_.analyze_bytes(bytes);
    ASSERT_TRUE(from_bytes.ok()) << path << ": " << from_bytes.error().message;
    EXPECT_EQ(to_json(*from_file).dump(), to_json(*from_bytes).dump()) << path;
  }
}

TEST_F(AnalyzerTest, LosslessCopiesOfTheSameAudioGiveTheSameLevels) {
  // A WAV and a FLAC of one recording decode to the same samples, so every level in the JSON
  // must be the same, digit for digit. The two decoders deliver different block sizes.
  const auto wav = make_wav("tone.wav", 44100, 2.0);
  const auto flac = dir_.file("tone.flac");
  ASSERT_TRUE(test::ffmpeg_encode(wav, flac, {"-c:a", "flac"}));
  auto from_wav = analyzer_.analyze_file(wav);
  auto from_flac = analyzer_.analyze_file(flac);
  ASSERT_TRUE(from_wav.ok() && from_flac.ok());
  const auto a = to_json(*from_wav);
  const auto b = to_json(*from_flac);
  for (const char* key :
       {"duration", "sample_rate", "channels", "loudness_lufs", "true_peak_dbfs", "peak_dbfs",
        "rms_dbfs", "silent_fraction", "dc_offset", "clipped_ratio"}) {
    EXPECT_EQ(a[key].dump(), b[key].dump()) << key;
  }
}

TEST_F(AnalyzerTest, ReportsTheOriginalFilesFacts) {
  auto result = analyzer_.analyze_file(make_wav("cd.wav"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto json = to_json(*result);
  EXPECT_EQ(json["sample_rate"], 44100);
  EXPECT_EQ(json["channels"], 2);
  EXPECT_EQ(json["codec"], "pcm_s16le");
  EXPECT_EQ(json["container"], "wav");
  EXPECT_EQ(json["bit_rate"], 1411200);  // 44100 Hz * 2 channels * 16 bits
  EXPECT_EQ(json["duration"], 1.0);
  EXPECT_EQ(json["decode_errors"], 0);
  EXPECT_TRUE(json["warnings"].empty());
}

TEST_F(AnalyzerTest, DurationIsRoundedToTwoDecimals) {
  // 1.23456 s at 44.1 kHz is 54444 frames, 1.234558 s.
  auto result = analyzer_.analyze_file(make_wav("odd.wav", 44100, 1.23456));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_NEAR(result->info.duration_seconds, 1.23456, 1e-4);
  EXPECT_EQ(to_json(*result)["duration"], 1.23);
}

TEST_F(AnalyzerTest, MeasuresLevelsOnTheOriginalChannels) {
  // A 0 dBFS 1 kHz sine in the left channel only reads -3.01 LUFS; a downmix would lose 6 dB.
  const auto tone = test::sine(1000.0, 1.0, 48000, 3 * 48000);
  const auto path = dir_.file("left.wav");
  test::write_wav(path, test::interleave({tone, test::silence(tone.size())}),
                  {48000, 2, test::SampleFormat::f32});
  auto result = analyzer_.analyze_file(path);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto json = to_json(*result);
  EXPECT_NEAR(json["loudness_lufs"].get<double>(), -3.01, 0.05);
  EXPECT_NEAR(json["peak_dbfs"].get<double>(), 0.0, 0.01);
  EXPECT_NEAR(json["rms_dbfs"].get<double>(), -6.02, 0.01);  // half the samples are silent
  EXPECT_GE(json["true_peak_dbfs"].get<double>(), json["peak_dbfs"].get<double>());
  EXPECT_EQ(json["silent_fraction"], 0.0);
}

TEST_F(AnalyzerTest, SilentFileHasNullLevels) {
  const auto path = dir_.file("silence.wav");
  test::write_wav(path, test::silence(2 * 44100 * 2), {44100, 2, test::SampleFormat::s16});
  auto result = analyzer_.analyze_file(path);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto json = to_json(*result);
  EXPECT_TRUE(json["loudness_lufs"].is_null());
  EXPECT_TRUE(json["rms_dbfs"].is_null());
  EXPECT_TRUE(json["peak_dbfs"].is_null());
  EXPECT_TRUE(json["true_peak_dbfs"].is_null());
  EXPECT_EQ(json["silent_fraction"], 1.0);
  EXPECT_EQ(json["duration"], 2.0);
}

TEST_F(AnalyzerTest, TruncatedFileIsAnalysedWithAWarning) {
  auto bytes = test::read_bytes(make_wav("cut.wav", 44100, 1.0));
  test::put_u32_le(bytes, test::kWavDataSizeOffset, 4 * 44100 * 4);  // claims 4 s
  auto result = analyzer_.analyze_bytes(bytes);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto json = to_json(*result);
  EXPECT_EQ(json["duration"], 1.0);
  EXPECT_FALSE(json["warnings"].empty());
}

TEST_F(AnalyzerTest, DecoderErrorsAreReturned) {
  auto missing = analyzer_.analyze_file(dir_.file("missing.wav"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);

  const std::string text = "not audio at all, just a sentence or two of plain text.";
  auto not_audio =
      analyzer_.analyze_bytes({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  ASSERT_FALSE(not_audio.ok());
  EXPECT_EQ(not_audio.error().code, ErrorCode::unsupported_format);
}

TEST_F(AnalyzerTest, OptionsAreApplied) {
  AnalyzerOptions options;
  options.limits.max_duration_seconds = 0.5;
  auto too_long = Analyzer(options).analyze_file(make_wav("one_second.wav"));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, ErrorCode::too_large);

  AnalyzerOptions no_true_peak;
  no_true_peak.stats.true_peak = false;
  auto result = Analyzer(no_true_peak).analyze_file(make_wav("tone.wav"));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(to_json(*result)["true_peak_dbfs"].is_null());
}

TEST_F(AnalyzerTest, OneAnalyzerServesManyThreadsAtOnce) {
  // The header promises an Analyzer is safe to share; every thread must get the same answer.
  const auto bytes = test::read_bytes(make_wav("shared.wav"));
  const std::string expected = to_json(*analyzer_.analyze_bytes(bytes)).dump();
  std::vector<std::string> answers(4);
  {
    std::vector<std::jthread> threads;
    for (auto& answer : answers) {
      threads.emplace_back([&] {
        auto result = analyzer_.analyze_bytes(bytes);
        answer = result.ok() ? to_json(*result).dump() : result.error().message;
      });
    }
  }
  for (const auto& answer : answers) EXPECT_EQ(answer, expected);
}

}  // namespace
}  // namespace earshot::analysis
