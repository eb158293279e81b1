// TruePeakMeter against its reference, libebur128's true-peak mode, which it reimplements for
// speed: same filter, same oversampling per rate, so the results must agree to float round-off.
#include "dsp/levels/true_peak_meter.hpp"

#include <ebur128.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <random>
#include <vector>

namespace earshot::dsp {
namespace {

struct Ebur128Deleter {
  void operator()(ebur128_state* state) const { ebur128_destroy(&state); }
};

double reference_true_peak(const std::vector<float>& interleaved, int rate, int channels) {
  std::unique_ptr<ebur128_state, Ebur128Deleter> state(ebur128_init(
      static_cast<unsigned>(channels), static_cast<unsigned long>(rate), EBUR128_MODE_TRUE_PEAK));
  ebur128_add_frames_float(state.get(), interleaved.data(), interleaved.size() / channels);
  double peak = 0.0;
  for (int c = 0; c < channels; ++c) {
    double channel_peak = 0.0;
    ebur128_true_peak(state.get(), static_cast<unsigned>(c), &channel_peak);
    peak = std::max(peak, channel_peak);
  }
  return peak;
}

// Noise plus a near-Nyquist tone whose peaks fall between samples: the case true peak exists
// for, where sample peak under-reads by several dB.
std::vector<float> test_signal(int rate, int channels, double seconds, unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  const auto frames = static_cast<std::size_t>(seconds * rate);
  std::vector<float> x(frames * channels);
  for (std::size_t i = 0; i < frames; ++i) {
    for (int c = 0; c < channels; ++c) {
      const double phase = 2.0 * std::numbers::pi * (rate / 4.0) * i / rate + std::numbers::pi / 4;
      x[i * channels + c] =
          static_cast<float>(0.7 * std::sin(phase)) * (c + 1) / channels + noise(random);
    }
  }
  return x;
}

class TruePeakMatchesLibebur128 : public ::testing::TestWithParam<int> {};

TEST_P(TruePeakMatchesLibebur128, SameValueWithinFloatRoundOff) {
  const int rate = GetParam();
  const int channels = 2;
  const std::vector<float> signal = test_signal(rate, channels, 0.5, 7);
  TruePeakMeter meter(rate, channels);
  // Odd-sized blocks exercise the history carried between calls.
  std::size_t done = 0;
  for (std::size_t block = 1; done < signal.size() / channels; block = block * 3 + 1) {
    const std::size_t frames = std::min(block, signal.size() / channels - done);
    meter.add(std::span(signal).subspan(done * channels, frames * channels));
    done += frames;
  }
  const double expected = reference_true_peak(signal, rate, channels);
  EXPECT_NEAR(meter.peak(), expected, 1e-6 * expected);  // float vs double accumulation
}

INSTANTIATE_TEST_SUITE_P(Rates, TruePeakMatchesLibebur128,
                         ::testing::Values(8000, 16000, 44100, 48000, 96000, 192000));

TEST(TruePeakMeter, OversamplesFourTimesBelow96kHzTwiceBelow192kHzThenNot) {
  EXPECT_EQ(TruePeakMeter(48000, 1).oversampling(), 4);
  EXPECT_EQ(TruePeakMeter(96000, 1).oversampling(), 2);
  EXPECT_EQ(TruePeakMeter(192000, 1).oversampling(), 1);
}

TEST(TruePeakMeter, SeesThePeakBetweenSamples) {
  // A sine at a quarter of the rate sampled 45 degrees off its crest: every sample reads
  // 0.5 * sqrt(0.5), while the waveform itself reaches 0.5.
  const int rate = 48000;
  std::vector<float> x(rate / 10);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(0.5 * std::sin(std::numbers::pi / 2 * i + std::numbers::pi / 4));
  }
  TruePeakMeter meter(rate, 1);
  meter.add(x);
  EXPECT_NEAR(meter.peak(), 0.5, 0.01);
  EXPECT_GT(meter.peak(), 0.5 * std::sqrt(0.5) + 0.1);
}

TEST(TruePeakMeter, SilenceReadsZero) {
  TruePeakMeter meter(44100, 2);
  meter.add(std::vector<float>(4410 * 2, 0.0f));
  EXPECT_EQ(meter.peak(), 0.0);
}

}  // namespace
}  // namespace earshot::dsp
