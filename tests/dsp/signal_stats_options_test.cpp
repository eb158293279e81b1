// SignalStatsAccumulator configuration and streaming: defaults work, out-of-range options are
// refused with invalid_input, options change what is measured, and block boundaries do not.
#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>
#include <limits>
#include <string>
#include <vector>

#include "dsp/levels/signal_stats.hpp"
#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

using core::ErrorCode;

constexpr int kRate = 48000;

SignalStats measure_in_blocks(std::span<const float> interleaved, int channels,
                              const std::vector<std::size_t>& block_frames,
                              SignalStatsOptions options = {}) {
  auto accumulator = SignalStatsAccumulator::create(kRate, channels, options);
  EXPECT_TRUE(accumulator.ok());
  std::size_t position = 0;
  for (std::size_t i = 0; position < interleaved.size(); ++i) {
    const std::size_t count =
        std::min(block_frames[i % block_frames.size()] * channels, interleaved.size() - position);
    accumulator->add(interleaved.subspan(position, count));
    position += count;
  }
  return accumulator->finish();
}

SignalStats measure(std::span<const float> interleaved, int channels,
                    SignalStatsOptions options = {}) {
  return measure_in_blocks(interleaved, channels, {interleaved.size()}, options);
}

TEST(SignalStatsOptionsTest, DefaultsAreAccepted) {
  EXPECT_TRUE(SignalStatsAccumulator::create(44100, 2).ok());
  EXPECT_TRUE(SignalStatsAccumulator::create(8000, 1).ok());
  EXPECT_TRUE(SignalStatsAccumulator::create(192000, 8).ok());
}

struct InvalidCase {
  std::string name;
  int sample_rate;
  int channels;
  SignalStatsOptions options;
};

void PrintTo(const InvalidCase& c, std::ostream* os) {
  *os << c.name;
}

SignalStatsOptions with(void (*change)(SignalStatsOptions&)) {
  SignalStatsOptions options;
  change(options);
  return options;
}

class SignalStatsInvalidTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(SignalStatsInvalidTest, IsRefusedWithInvalidInput) {
  const InvalidCase& c = GetParam();
  auto accumulator = SignalStatsAccumulator::create(c.sample_rate, c.channels, c.options);
  ASSERT_FALSE(accumulator.ok());
  EXPECT_EQ(accumulator.error().code, ErrorCode::invalid_input);
  EXPECT_FALSE(accumulator.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Options, SignalStatsInvalidTest,
    testing::Values(
        InvalidCase{"rate_zero", 0, 2, {}}, InvalidCase{"rate_negative", -44100, 2, {}},
        InvalidCase{"rate_absurd", 10'000'000, 2, {}}, InvalidCase{"channels_zero", 44100, 0, {}},
        InvalidCase{"channels_negative", 44100, -1, {}},
        InvalidCase{"channels_too_many", 44100, 65, {}},
        InvalidCase{"threshold_above_zero", 44100, 2,
                    with([](SignalStatsOptions& o) { o.silence_threshold_dbfs = 0.1; })},
        InvalidCase{"threshold_too_low", 44100, 2,
                    with([](SignalStatsOptions& o) { o.silence_threshold_dbfs = -200.0; })},
        InvalidCase{"threshold_nan", 44100, 2, with([](SignalStatsOptions& o) {
                      o.silence_threshold_dbfs = std::numeric_limits<double>::quiet_NaN();
                    })},
        InvalidCase{"window_zero", 44100, 2,
                    with([](SignalStatsOptions& o) { o.silence_window_seconds = 0.0; })},
        InvalidCase{"window_negative", 44100, 2,
                    with([](SignalStatsOptions& o) { o.silence_window_seconds = -0.02; })},
        InvalidCase{"window_too_long", 44100, 2,
                    with([](SignalStatsOptions& o) { o.silence_window_seconds = 11.0; })},
        InvalidCase{"clip_level_above_one", 44100, 2,
                    with([](SignalStatsOptions& o) { o.clip_level = 1.5; })},
        InvalidCase{"clip_level_zero", 44100, 2,
                    with([](SignalStatsOptions& o) { o.clip_level = 0.0; })}),
    [](const testing::TestParamInfo<InvalidCase>& param) { return param.param.name; });

TEST(SignalStatsOptionsTest, ClipLevelSetsWhatCountsAsClipped) {
  // |sin| >= 0.5 for two thirds of a period. 997 Hz does not divide the rate, so the samples
  // cover the period evenly and the discrete share approaches the continuous one.
  const auto tone = test::sine(997.0, 1.0, kRate, kRate);
  SignalStatsOptions options;
  options.clip_level = 0.5;
  EXPECT_NEAR(measure(tone, 1, options).clipped_ratio, 2.0 / 3.0, 0.002);
  // At the default 0.9999 only the samples next to each crest of a full-scale sine count,
  // and a sine just below full scale has none.
  EXPECT_LT(measure(tone, 1).clipped_ratio, 0.02);
  EXPECT_EQ(measure(test::sine(997.0, 0.99, kRate, kRate), 1).clipped_ratio, 0.0);
}

TEST(SignalStatsOptionsTest, SilenceThresholdSetsWhatCountsAsSilent) {
  // A -40 dBFS tone: not silent at the default -50 dBFS, silent at -30 dBFS.
  const auto hum = test::sine(100.0, std::pow(10.0, -40.0 / 20.0) * std::sqrt(2.0), kRate, kRate);
  SignalStatsOptions options;
  options.silence_threshold_dbfs = -30.0;
  EXPECT_EQ(measure(hum, 1).silent_fraction, 0.0);
  EXPECT_EQ(measure(hum, 1, options).silent_fraction, 1.0);
}

TEST(SignalStatsOptionsTest, SilenceWindowSetsTheResolution) {
  // 50 ms of silence between two tones: found with 10 ms windows, not with 1 s windows,
  // whose average power includes the tones.
  const auto tone = test::sine(1000.0, 0.5, kRate, kRate / 2);
  const auto gap = test::silence(kRate / 20);
  const auto x = test::concat(test::concat(tone, gap), tone);
  SignalStatsOptions fine;
  fine.silence_window_seconds = 0.010;
  SignalStatsOptions coarse;
  coarse.silence_window_seconds = 1.0;
  EXPECT_NEAR(measure(x, 1, fine).silent_fraction, 0.05 / 1.05, 0.01);
  EXPECT_EQ(measure(x, 1, coarse).silent_fraction, 0.0);
}

TEST(SignalStatsOptionsTest, WithoutTruePeakTheOtherLevelsAreUnchanged) {
  const auto tone = test::sine(1000.0, 0.5, kRate, 2 * kRate);
  SignalStatsOptions no_true_peak;
  no_true_peak.true_peak = false;
  const auto with_peak = measure(tone, 1);
  const auto without = measure(tone, 1, no_true_peak);
  EXPECT_TRUE(std::isnan(without.true_peak_dbfs));
  EXPECT_EQ(without.rms_dbfs, with_peak.rms_dbfs);
  EXPECT_EQ(without.peak_dbfs, with_peak.peak_dbfs);
  EXPECT_EQ(without.loudness_lufs, with_peak.loudness_lufs);
}

// Bit-for-bit equality, reported with every digit (gtest's default precision would print two
// different values the same).
void expect_identical(const char* name, double in_blocks, double whole) {
  EXPECT_EQ(in_blocks, whole) << std::setprecision(17) << name << ": " << in_blocks
                              << " in blocks, " << whole << " in one piece";
}

TEST(SignalStatsOptionsTest, BlockSizesDoNotChangeTheResult) {
  // Decoders hand out blocks of whatever size their codec uses (a WAV and a FLAC of the same
  // PCM differ), so the statistics of a signal must not depend on it: identical, not merely
  // close, since the JSON prints every digit. Odd sizes also split the 20 ms silence windows
  // at varying places.
  const auto tone = test::sine(1000.0, 0.5, kRate, kRate);
  const auto quiet = test::noise(0.0001, kRate / 2, 5);
  auto left = test::concat(test::concat(tone, quiet), tone);
  left[1000] = 0.72f;  // over the clip level set below, so clipped_ratio is not trivially 0
  // A tone between the samples' crests gives a true peak above the sample peak.
  const auto crests = test::sine(kRate / 4.0, 0.9, kRate, kRate, M_PI / 4.0);
  const auto right = test::concat(test::concat(crests, test::silence(quiet.size())), crests);
  const auto x = test::interleave({left, right});
  SignalStatsOptions options;
  options.clip_level = 0.7;

  const auto whole = measure(x, 2, options);
  ASSERT_GT(whole.clipped_ratio, 0.0);
  ASSERT_GT(whole.true_peak_dbfs, whole.peak_dbfs);
  ASSERT_GT(whole.silent_fraction, 0.0);
  const auto pieces = measure_in_blocks(x, 2, {1, 7, 333, 1025, 13, 4097}, options);
  EXPECT_EQ(pieces.frames, whole.frames);
  expect_identical("peak_dbfs", pieces.peak_dbfs, whole.peak_dbfs);
  expect_identical("loudness_lufs", pieces.loudness_lufs, whole.loudness_lufs);
  expect_identical("true_peak_dbfs", pieces.true_peak_dbfs, whole.true_peak_dbfs);
  expect_identical("silent_fraction", pieces.silent_fraction, whole.silent_fraction);
  expect_identical("clipped_ratio", pieces.clipped_ratio, whole.clipped_ratio);
  expect_identical("rms_dbfs", pieces.rms_dbfs, whole.rms_dbfs);
  expect_identical("dc_offset", pieces.dc_offset, whole.dc_offset);
}

TEST(SignalStatsOptionsTest, FinishCanBeCalledPartWayThroughAStream) {
  // finish() reports everything added so far; a long stream can be summarised and continued.
  auto accumulator = SignalStatsAccumulator::create(kRate, 1);
  ASSERT_TRUE(accumulator.ok());
  const auto tone = test::sine(1000.0, 0.5, kRate, kRate);
  accumulator->add(tone);
  const auto first = accumulator->finish();
  EXPECT_EQ(first.frames, kRate);
  EXPECT_NEAR(first.rms_dbfs, -9.03, 0.01);

  accumulator->add(test::silence(kRate));
  const auto second = accumulator->finish();
  EXPECT_EQ(second.frames, 2 * kRate);
  EXPECT_NEAR(second.rms_dbfs, -9.03 - 3.01, 0.01);  // half the power over twice the time
  EXPECT_NEAR(second.silent_fraction, 0.5, 0.01);
}

}  // namespace
}  // namespace earshot::dsp
