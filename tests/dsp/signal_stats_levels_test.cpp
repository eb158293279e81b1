// SignalStatsAccumulator against reference signals whose levels are known in closed form:
// EBU R128 loudness of a 1 kHz sine, RMS and peak of a half-scale sine, silence, DC and clipping.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "dsp/levels/signal_stats.hpp"
#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

constexpr int kRate = 48000;
constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

SignalStats measure(std::span<const float> interleaved, int channels, int rate = kRate,
                    SignalStatsOptions options = {}) {
  auto accumulator = SignalStatsAccumulator::create(rate, channels, options);
  EXPECT_TRUE(accumulator.ok());
  accumulator->add(interleaved);
  return accumulator->finish();
}

std::size_t frames_of(double seconds) {
  return static_cast<std::size_t>(seconds * kRate);
}

TEST(SignalStatsLevelsTest, FullScaleSineInOneStereoChannelIsMinus3Lufs) {
  // The BS.1770 reference: a 0 dBFS 1 kHz sine in one channel reads -3.01 LUFS.
  const auto tone = test::sine(1000.0, 1.0, kRate, frames_of(3.0));
  const auto silent = test::silence(tone.size());
  const auto stats = measure(test::interleave({tone, silent}), 2);
  EXPECT_NEAR(stats.loudness_lufs, -3.01, 0.05);
  EXPECT_EQ(stats.frames, static_cast<std::int64_t>(tone.size()));
}

TEST(SignalStatsLevelsTest, FullScaleSineMonoIsMinus3Lufs) {
  const auto tone = test::sine(1000.0, 1.0, kRate, frames_of(3.0));
  EXPECT_NEAR(measure(tone, 1).loudness_lufs, -3.01, 0.05);
}

TEST(SignalStatsLevelsTest, TheLoudnessHistogramAgreesWithEveryBlockToAFewHundredthsOfALu) {
  // A sine that steps through levels 20 dB apart, so that the gates discard some blocks.
  std::vector<float> steps;
  for (const double amplitude : {0.9, 0.09, 0.009, 0.3}) {
    const auto part = test::sine(997.0, amplitude, kRate, frames_of(2.0));
    steps.insert(steps.end(), part.begin(), part.end());
  }
  SignalStatsOptions histogram;
  histogram.loudness_histogram = true;
  EXPECT_NEAR(measure(steps, 1, kRate, histogram).loudness_lufs, measure(steps, 1).loudness_lufs,
              0.05);
}

TEST(SignalStatsLevelsTest, LoudnessSumsChannelPowers) {
  // The same sine in both channels carries twice the power of one channel: +3.01 LU.
  const auto tone = test::sine(1000.0, 0.5, kRate, frames_of(3.0));
  const auto one = measure(test::interleave({tone, test::silence(tone.size())}), 2);
  const auto both = measure(test::interleave({tone, tone}), 2);
  EXPECT_NEAR(both.loudness_lufs - one.loudness_lufs, 3.01, 0.02);
}

TEST(SignalStatsLevelsTest, HalfScaleSineHasKnownRmsAndPeak) {
  const auto stats = measure(test::sine(1000.0, 0.5, kRate, frames_of(2.0)), 1);
  EXPECT_NEAR(stats.rms_dbfs, -9.03, 0.01);   // 20 log10(0.5 / sqrt 2)
  EXPECT_NEAR(stats.peak_dbfs, -6.02, 0.01);  // 20 log10(0.5)
  EXPECT_GE(stats.true_peak_dbfs, stats.peak_dbfs);
  EXPECT_NEAR(stats.true_peak_dbfs, -6.02, 0.2);
  EXPECT_NEAR(stats.dc_offset, 0.0, 1e-4);
  EXPECT_EQ(stats.clipped_ratio, 0.0);
  EXPECT_EQ(stats.silent_fraction, 0.0);
}

TEST(SignalStatsLevelsTest, TruePeakFindsThePeakBetweenSamples) {
  // A sine at a quarter of the rate, sampled 45 degrees off its crests: every sample is at
  // 0.707 of the amplitude, but the reconstructed wave reaches full scale (+3 dB).
  const auto tone = test::sine(kRate / 4.0, 0.9, kRate, frames_of(1.0), M_PI / 4.0);
  const auto stats = measure(tone, 1);
  EXPECT_NEAR(stats.peak_dbfs, 20.0 * std::log10(0.9 * std::sqrt(0.5)), 0.01);
  EXPECT_GT(stats.true_peak_dbfs, stats.peak_dbfs + 2.5);
}

TEST(SignalStatsLevelsTest, SilentFractionOfHalfSilenceHalfSineIsOneHalf) {
  const auto quiet = test::silence(frames_of(1.0));
  const auto loud = test::sine(1000.0, 0.5, kRate, frames_of(1.0));
  const auto stats = measure(test::concat(quiet, loud), 1);
  EXPECT_NEAR(stats.silent_fraction, 0.5, 0.01);
}

TEST(SignalStatsLevelsTest, SilentFractionCountsOnlyTheSilentChannelsTogether) {
  // Silence is judged over all channels: one silent channel beside a loud one is not silence.
  const auto loud = test::sine(1000.0, 0.5, kRate, frames_of(1.0));
  const auto stats = measure(test::interleave({loud, test::silence(loud.size())}), 2);
  EXPECT_EQ(stats.silent_fraction, 0.0);
}

TEST(SignalStatsLevelsTest, SignalBelowTheThresholdCountsAsSilent) {
  // The default threshold is -50 dBFS RMS: a -60 dBFS hum is silence, a -40 dBFS one is not.
  const double rms_60 = std::pow(10.0, -60.0 / 20.0) * std::sqrt(2.0);
  const double rms_40 = std::pow(10.0, -40.0 / 20.0) * std::sqrt(2.0);
  EXPECT_EQ(measure(test::sine(100.0, rms_60, kRate, frames_of(1.0)), 1).silent_fraction, 1.0);
  EXPECT_EQ(measure(test::sine(100.0, rms_40, kRate, frames_of(1.0)), 1).silent_fraction, 0.0);
}

TEST(SignalStatsLevelsTest, AllZeroInputHasMinusInfinityLevelsAndIsAllSilent) {
  const auto stats = measure(test::silence(2 * frames_of(1.0)), 2);
  EXPECT_EQ(stats.rms_dbfs, kMinusInfinity);
  EXPECT_EQ(stats.peak_dbfs, kMinusInfinity);
  EXPECT_EQ(stats.loudness_lufs, kMinusInfinity);
  EXPECT_EQ(stats.true_peak_dbfs, kMinusInfinity);
  EXPECT_EQ(stats.silent_fraction, 1.0);
  EXPECT_EQ(stats.dc_offset, 0.0);
  EXPECT_EQ(stats.clipped_ratio, 0.0);
  EXPECT_EQ(stats.frames, static_cast<std::int64_t>(frames_of(1.0)));
}

TEST(SignalStatsLevelsTest, NoInputAtAllHasMinusInfinityLevels) {
  auto accumulator = SignalStatsAccumulator::create(kRate, 1);
  ASSERT_TRUE(accumulator.ok());
  const auto stats = accumulator->finish();
  EXPECT_EQ(stats.frames, 0);
  EXPECT_EQ(stats.rms_dbfs, kMinusInfinity);
  EXPECT_EQ(stats.peak_dbfs, kMinusInfinity);
  EXPECT_EQ(stats.loudness_lufs, kMinusInfinity);
}

TEST(SignalStatsLevelsTest, InputShorterThanOneGatingBlockHasNoLoudness) {
  // BS.1770 integrates over 400 ms blocks; 200 ms has none, while RMS is still defined.
  const auto stats = measure(test::sine(1000.0, 0.5, kRate, frames_of(0.2)), 1);
  EXPECT_EQ(stats.loudness_lufs, kMinusInfinity);
  EXPECT_NEAR(stats.rms_dbfs, -9.03, 0.01);
}

TEST(SignalStatsLevelsTest, DcOffsetOfAConstantIsTheConstant) {
  const auto stats = measure(test::constant(0.25f, frames_of(1.0)), 1);
  EXPECT_NEAR(stats.dc_offset, 0.25, 1e-6);
  EXPECT_NEAR(stats.rms_dbfs, 20.0 * std::log10(0.25), 0.001);
  EXPECT_NEAR(stats.peak_dbfs, 20.0 * std::log10(0.25), 0.001);
}

TEST(SignalStatsLevelsTest, DcOffsetIsTheMeanOverAllChannels) {
  const auto left = test::constant(0.25f, frames_of(1.0));
  const auto right = test::constant(-0.05f, frames_of(1.0));
  EXPECT_NEAR(measure(test::interleave({left, right}), 2).dc_offset, 0.1, 1e-6);
}

TEST(SignalStatsLevelsTest, ClippedRatioCountsSamplesAtFullScale) {
  // Every tenth sample at +1.0 or -1.0, the rest a moderate tone: 10% clipped.
  auto x = test::sine(440.0, 0.5, kRate, frames_of(1.0));
  for (std::size_t n = 0; n < x.size(); n += 10) x[n] = (n / 10) % 2 == 0 ? 1.0f : -1.0f;
  EXPECT_DOUBLE_EQ(measure(x, 1).clipped_ratio, 0.1);

  // The same share spread over two channels counts per sample, not per frame.
  const auto clean = test::sine(440.0, 0.5, kRate, x.size());
  EXPECT_DOUBLE_EQ(measure(test::interleave({x, clean}), 2).clipped_ratio, 0.05);
}

TEST(SignalStatsLevelsTest, FullScale16BitSamplesCountAsClipped) {
  // 32767/32768 is the largest 16-bit value; the default clip level is meant to catch it.
  auto x = test::sine(440.0, 0.5, kRate, 1000);
  for (std::size_t n = 0; n < 100; ++n) x[n] = 32767.0f / 32768.0f;
  EXPECT_DOUBLE_EQ(measure(x, 1).clipped_ratio, 0.1);
}

}  // namespace
}  // namespace earshot::dsp
