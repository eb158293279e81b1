// KaldiFbank's behaviour without golden files: defaults, frame counts and Kaldi's mirrored
// framing, energy column, linear/magnitude variants, prefix computation, dither, sharing
// between threads, and every option torchaudio refuses. Golden comparisons are in
// kaldi_fbank_reference_test.cpp.
#include "dsp/kaldi/kaldi_fbank.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numbers>
#include <thread>
#include <vector>

#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

KaldiFbank make(const KaldiFbankOptions& options) {
  auto fbank = KaldiFbank::create(options);
  EXPECT_TRUE(fbank.ok()) << fbank.error().message;
  return std::move(*fbank);
}

Matrix run(const KaldiFbank& fbank, std::span<const float> x) {
  auto out = fbank.compute(x);
  EXPECT_TRUE(out.ok()) << out.error().message;
  return out.ok() ? std::move(*out) : Matrix{};
}

void expect_matrices_near(const Matrix& actual, const Matrix& expected, double tolerance) {
  ASSERT_EQ(actual.rows, expected.rows);
  ASSERT_EQ(actual.cols, expected.cols);
  for (std::size_t i = 0; i < actual.values.size(); ++i) {
    ASSERT_NEAR(actual.values[i], expected.values[i], tolerance)
        << "row " << i / actual.cols << " column " << i % actual.cols;
  }
}

TEST(KaldiFbank, DefaultsGiveTwentyThreeLogBinsEveryTenMilliseconds) {
  const KaldiFbank fbank = make({});
  EXPECT_EQ(fbank.window_size(), 400);
  EXPECT_EQ(fbank.window_shift(), 160);
  EXPECT_EQ(fbank.padded_window_size(), 512);
  const auto x = test::noise(0.1, 16000);
  const Matrix out = run(fbank, x);
  EXPECT_EQ(out.rows, 98u);  // 1 + (16000 - 400) / 160
  EXPECT_EQ(out.cols, 23u);
  for (float v : out.values) EXPECT_TRUE(std::isfinite(v));
}

TEST(KaldiFbank, FrameCountsFollowSnipEdges) {
  const KaldiFbank snipped = make({});
  const KaldiFbank mirrored = make({.snip_edges = false});
  for (std::size_t n : {400u, 401u, 559u, 560u, 16000u, 16079u, 16080u, 48000u}) {
    EXPECT_EQ(snipped.num_frames(n), 1 + (n - 400) / 160) << n;
    EXPECT_EQ(mirrored.num_frames(n), (n + 80) / 160) << n;
    const auto x = test::noise(0.1, n);
    EXPECT_EQ(run(snipped, x).rows, snipped.num_frames(n)) << n;
    EXPECT_EQ(run(mirrored, x).rows, mirrored.num_frames(n)) << n;
  }
}

TEST(KaldiFbank, WithoutSnipEdgesTheSignalIsMirroredOnceAtEachEnd) {
  // Kaldi's rule: pad = 400 / 2 - 160 / 2 = 120 samples, x[-1 - i] = x[i] on the left and
  // x[n + i] = x[n - 1 - i] on the right. Padding by hand and snipping must agree.
  const auto x = test::concat(test::sine(440, 0.3, 16000, 3000), test::noise(0.2, 1234));
  std::vector<float> padded(x.rend() - 120, x.rend());  // x[119], ..., x[0]
  padded.insert(padded.end(), x.begin(), x.end());
  padded.insert(padded.end(), x.rbegin(), x.rend());
  const Matrix expected = run(make({}), padded);
  const Matrix actual = run(make({.snip_edges = false}), x);
  ASSERT_EQ(actual.rows, (x.size() + 80) / 160);
  Matrix prefix(actual.rows, expected.cols);
  std::copy_n(expected.values.begin(), prefix.values.size(), prefix.values.begin());
  expect_matrices_near(actual, prefix, 0.0);
}

TEST(KaldiFbank, AShiftLongerThanTheFrameDropsSamplesAtTheStart) {
  // 5 ms frames every 10 ms: pad = 40 - 80 < 0, so frame t starts at 160 t + 40.
  const auto x = test::noise(0.2, 8000, 3);
  const KaldiFbankOptions options{.frame_length = 5, .num_mel_bins = 10};
  KaldiFbankOptions mirrored = options;
  mirrored.snip_edges = false;
  const Matrix actual = run(make(mirrored), x);
  const Matrix expected = run(make(options), std::span<const float>(x).subspan(40));
  ASSERT_EQ(actual.rows, 50u);
  ASSERT_GE(expected.rows, actual.rows);
  Matrix prefix(actual.rows, expected.cols);
  std::copy_n(expected.values.begin(), prefix.values.size(), prefix.values.begin());
  expect_matrices_near(actual, prefix, 0.0);
}

TEST(KaldiFbank, ATonePeaksInTheFilterAroundItsFrequency) {
  const KaldiFbank fbank = make({.num_mel_bins = 40});
  const Matrix out = run(fbank, test::sine(1000, 0.5, 16000, 8000));
  const double mel_low = 1127.0 * std::log(1 + 20.0 / 700);
  const double delta = (1127.0 * std::log(1 + 8000.0 / 700) - mel_low) / 41;
  const double mel_1k = 1127.0 * std::log(1 + 1000.0 / 700);
  const auto expected_bin = static_cast<std::size_t>(std::lround((mel_1k - mel_low) / delta - 1));
  for (std::size_t f = 0; f < out.rows; ++f) {
    const auto row = out.row(f);
    const auto peak = std::max_element(row.begin(), row.end()) - row.begin();
    EXPECT_LE(std::abs(peak - static_cast<long>(expected_bin)), 1) << "frame " << f;
  }
}

TEST(KaldiFbank, SilenceGivesTheLogOfFloatEpsilon) {
  const Matrix out = run(make({.use_energy = true}), test::silence(4000));
  for (std::size_t f = 0; f < out.rows; ++f) {
    EXPECT_EQ(out(f, 0), 0.0f) << "log energy floored at log(energy_floor = 1)";
    for (std::size_t b = 1; b < out.cols; ++b) EXPECT_FLOAT_EQ(out(f, b), std::log(FLT_EPSILON));
  }
}

TEST(KaldiFbank, EnergyIsTheRawLogEnergyFirstOrLastWithHtkCompat) {
  const auto x = test::concat(test::constant(0.25f, 400), test::sine(300, 0.5, 16000, 1200));
  const KaldiFbankOptions base{.use_energy = true, .energy_floor = 0.0};
  KaldiFbankOptions htk = base;
  htk.htk_compat = true;
  const Matrix first = run(make(base), x);
  const Matrix last = run(make(htk), x);
  const Matrix plain = run(make({}), x);
  ASSERT_EQ(first.cols, 24u);
  ASSERT_EQ(last.cols, 24u);
  // Frame 3 starts at sample 480, inside the sine: energy of the mean-removed frame.
  std::vector<double> frame(x.begin() + 480, x.begin() + 880);
  double mean = 0.0;
  for (double v : frame) mean += v / 400.0;
  double energy = 0.0;
  for (double v : frame) energy += (v - mean) * (v - mean);
  EXPECT_NEAR(first(3, 0), std::log(energy), 1e-4);
  EXPECT_FLOAT_EQ(last(3, 23), first(3, 0));
  // The first frame is constant: no energy left after DC removal, floored at FLT_EPSILON.
  EXPECT_FLOAT_EQ(first(0, 0), std::log(FLT_EPSILON));
  for (std::size_t b = 0; b < 23; ++b) {
    EXPECT_EQ(first(3, b + 1), plain(3, b));
    EXPECT_EQ(last(3, b), plain(3, b));
  }
}

TEST(KaldiFbank, ScalingTheInputShiftsLogPowerByTwiceLogMagnitude) {
  // Every step before the spectrum is linear, so gain g adds 2 ln g to log power and ln g to
  // log magnitude, and multiplies the linear filterbank by g².
  const auto x = test::noise(0.1, 8000, 11);
  std::vector<float> louder(x);
  for (float& v : louder) v *= 2.0f;
  const Matrix power = run(make({}), x);
  const Matrix power2 = run(make({}), louder);
  const Matrix magnitude = run(make({.use_power = false}), x);
  const Matrix magnitude2 = run(make({.use_power = false}), louder);
  const Matrix linear = run(make({.use_log_fbank = false}), x);
  for (std::size_t i = 0; i < power.values.size(); ++i) {
    EXPECT_NEAR(power2.values[i] - power.values[i], 2 * std::numbers::ln2, 1e-4);
    EXPECT_NEAR(magnitude2.values[i] - magnitude.values[i], std::numbers::ln2, 1e-4);
    EXPECT_NEAR(std::log(linear.values[i]), power.values[i], 1e-5);
  }
}

TEST(KaldiFbank, APrefixEqualsTheFirstRowsOfTheFullOutput) {
  const KaldiFbank fbank = make({.window_type = "hanning", .num_mel_bins = 128});
  const auto x = test::noise(0.3, 40000, 5);
  const Matrix full = run(fbank, x);
  auto prefix = fbank.compute(x, 100);
  ASSERT_TRUE(prefix.ok());
  ASSERT_EQ(prefix->rows, 100u);
  EXPECT_TRUE(std::equal(prefix->values.begin(), prefix->values.end(), full.values.begin()));
  EXPECT_EQ(fbank.compute(x, 100000)->rows, full.rows);
}

TEST(KaldiFbank, DitherIsSeededNoise) {
  const auto x = test::silence(4000);
  const Matrix quiet = run(make({}), x);
  const Matrix a = run(make({.dither = 1.0, .dither_seed = 1}), x);
  const Matrix b = run(make({.dither = 1.0, .dither_seed = 1}), x);
  const Matrix c = run(make({.dither = 1.0, .dither_seed = 2}), x);
  EXPECT_EQ(a.values, b.values) << "the same seed must give the same output";
  EXPECT_NE(a.values, c.values);
  // Gaussian noise of unit deviation (in sample units) lifts silence far above the floor.
  for (std::size_t i = 0; i < a.values.size(); ++i) EXPECT_GT(a.values[i], quiet.values[i] + 5);
}

TEST(KaldiFbank, OneInstanceServesManyThreads) {
  const KaldiFbank fbank = make({.num_mel_bins = 80});
  const auto x = test::noise(0.5, 32000, 9);
  const Matrix expected = run(fbank, x);
  std::vector<int> mismatches(4, 0);
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int repeat = 0; repeat < 5; ++repeat) {
          auto out = fbank.compute(x);
          if (!out.ok() || out->values != expected.values) ++mismatches[t];
        }
      });
    }
  }
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

void expect_refused(const KaldiFbankOptions& options, const std::string& mentions) {
  auto fbank = KaldiFbank::create(options);
  ASSERT_FALSE(fbank.ok()) << "accepted; expected an error about " << mentions;
  EXPECT_EQ(fbank.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(fbank.error().message.find(mentions), std::string::npos) << fbank.error().message;
}

TEST(KaldiFbank, RefusesInvalidOptionsWithAClearMessage) {
  expect_refused({.num_mel_bins = 3}, "num_mel_bins");
  expect_refused({.low_freq = 4000, .high_freq = 4000}, "low_freq");
  expect_refused({.high_freq = 9000}, "high_freq");
  expect_refused({.window_type = "hann"}, "window_type");
  expect_refused({.window_type = "kaiser"}, "povey, hanning, hamming, rectangular or blackman");
  expect_refused({.frame_length = 0.1}, "frame_length");
  expect_refused({.frame_shift = 0}, "frame_shift");
  expect_refused({.sample_frequency = 0}, "sample_frequency");
  expect_refused({.dither = -1}, "dither");
  expect_refused({.preemphasis_coefficient = 1.5}, "preemphasis_coefficient");
  expect_refused({.energy_floor = -1}, "energy_floor");
  // 25.0625 ms at 16 kHz is 401 samples: odd, so unusable as an FFT size without rounding.
  expect_refused({.frame_length = 25.0625, .round_to_power_of_two = false}, "even");
  EXPECT_TRUE(KaldiFbank::create({.frame_length = 25.0625}).ok());
}

TEST(KaldiFbank, RefusesASignalShorterThanOneFrame) {
  // torchaudio asserts 2 <= window_size <= len(waveform) whatever snip_edges says.
  for (bool snip : {true, false}) {
    auto out = make({.snip_edges = snip}).compute(test::noise(0.1, 399));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(out.error().message.find("399 samples"), std::string::npos) << out.error().message;
  }
  EXPECT_EQ(run(make({}), test::noise(0.1, 400)).rows, 1u);
  EXPECT_FALSE(make({}).compute({}).ok());
}

}  // namespace
}  // namespace earshot::dsp
