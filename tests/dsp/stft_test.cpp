// Stft: librosa/torch.stft conventions (frame counts, centring, padding, window placement),
// refused options, and the golden STFTs of tools/reference (torch.stft in float64).
//
// Tolerance, every "stft_power" and "stft_magnitude" golden: relative error <= 1e-4 (power) and
// 1.5e-4 (magnitude), as |a - b| / max(|b|, floor) with the floor 60 dB below the case's peak
// (1e-6 of the peak power, 1e-3 of the peak magnitude). Below that, bins carry the FFT's
// absolute float32 round-off (about 2e-7 of the peak), which no float32 transform can make
// relative. Reached: 4.4e-5 (power), 4.9e-5 to 7.4e-5 (magnitude; FFTW_MEASURE may pick another
// algorithm from run to run, with other round-off). Shapes and frame counts identical for
// constant, reflect and uncentred cases.
#include "dsp/spectral/stft.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <thread>
#include <vector>

#include "spectral_reference.hpp"
#include "support/reference.hpp"

namespace earshot::dsp {
namespace {

constexpr double kPowerTolerance = 1e-4;
constexpr double kMagnitudeTolerance = 1.5e-4;
// 60 dB below the peak: 1e-6 in power, 1e-3 in magnitude.
constexpr double kPowerFloor = 1e-6;
constexpr double kMagnitudeFloor = 1e-3;

std::vector<float> sine(double hz, int sample_rate, std::size_t samples, float amplitude = 0.5f) {
  std::vector<float> x(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    x[i] = amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * hz * i / sample_rate));
  }
  return x;
}

TEST(StftDefaults, AreLibrosas) {
  auto stft = Stft::create({});
  ASSERT_TRUE(stft.ok());
  EXPECT_EQ(stft->n_fft(), 2048);
  EXPECT_EQ(stft->win_length(), 2048);
  EXPECT_EQ(stft->hop_length(), 512);  // win_length / 4
  EXPECT_EQ(stft->bin_count(), 1025u);
  EXPECT_EQ(stft->window()[0], 0.0f);  // periodic hann
  EXPECT_FLOAT_EQ(stft->window()[1024], 1.0f);
  EXPECT_EQ(stft->frame_count(22050), 1u + 22050 / 512);  // centred
}

TEST(StftDefaults, FindTheFrequencyOfASine) {
  auto stft = Stft::create({});
  ASSERT_TRUE(stft.ok());
  // 1 kHz at 22050 Hz lies at bin 1000 * 2048 / 22050 = 92.9.
  auto power = stft->compute(sine(1000.0, 22050, 22050));
  ASSERT_TRUE(power.ok()) << power.error().message;
  ASSERT_EQ(power->rows, 44u);
  ASSERT_EQ(power->cols, 1025u);
  const auto row = power->row(20);
  EXPECT_EQ(std::max_element(row.begin(), row.end()) - row.begin(), 93);
  // A full-scale hann-windowed sine of amplitude A peaks near (A * sum(w) / 2)^2 = (A * n/4)^2.
  EXPECT_NEAR(std::sqrt(row[93]), 0.5 * 2048 / 4, 0.5 * 2048 / 4 * 0.25);
}

TEST(StftDefaults, MagnitudeIsTheSquareRootOfPower) {
  const auto x = sine(440.0, 22050, 5000);
  auto power = Stft::create({.n_fft = 512})->compute(x);
  auto magnitude = Stft::create({.n_fft = 512, .power = 1.0f})->compute(x);
  ASSERT_TRUE(power.ok() && magnitude.ok());
  ASSERT_EQ(power->values.size(), magnitude->values.size());
  for (std::size_t i = 0; i < power->values.size(); ++i) {
    ASSERT_NEAR(magnitude->values[i] * magnitude->values[i], power->values[i],
                1e-5 * power->values[i] + 1e-9);
  }
}

TEST(Stft, OddFftSizePadsOneSampleLessThanItsLength) {
  // librosa/torch pad n_fft // 2 on each side: 400 samples in all for n_fft = 401.
  auto stft = Stft::create({.n_fft = 401, .hop_length = 160});
  ASSERT_TRUE(stft.ok());
  EXPECT_EQ(stft->frame_count(16000), 100u);  // 1 + (16000 + 400 - 401) / 160
  EXPECT_EQ(stft->frame_count(16001), 101u);
  auto out = stft->compute(std::vector<float>(16000, 0.25f));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->rows, 100u);
  EXPECT_EQ(out->cols, 201u);
}

TEST(Stft, ShortWindowIsCentredInTheFrame) {
  auto stft = Stft::create({.n_fft = 16, .win_length = 9, .window = WindowType::rectangular});
  ASSERT_TRUE(stft.ok());
  // (16 - 9) / 2 = 3 zeros on the left, 4 on the right.
  const std::vector<float> expected = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<float>(stft->window().begin(), stft->window().end()), expected);
  EXPECT_EQ(stft->hop_length(), 2);  // win_length / 4
}

TEST(Stft, UncentredFramesStartAtTheFirstSample) {
  // A rectangular window over a constant gives DC = frame length; frames cover whole samples.
  auto stft = Stft::create({.n_fft = 8,
                            .hop_length = 4,
                            .window = WindowType::rectangular,
                            .center = false,
                            .power = 1.0f});
  ASSERT_TRUE(stft.ok());
  auto out = stft->compute(std::vector<float>(19, 1.0f));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->rows, 3u);  // 1 + (19 - 8) / 4
  for (std::size_t t = 0; t < out->rows; ++t) EXPECT_FLOAT_EQ((*out)(t, 0), 8.0f);
}

TEST(Stft, ReflectPaddingMirrorsTheSignalAtTheEdges) {
  // Frame 0 of a centred STFT of a constant is the same constant under reflect padding, but
  // half zeros under constant padding.
  const std::vector<float> x(100, 1.0f);
  StftOptions options{.n_fft = 16,
                      .hop_length = 4,
                      .window = WindowType::rectangular,
                      .pad_mode = PadMode::reflect,
                      .power = 1.0f};
  EXPECT_FLOAT_EQ((*Stft::create(options)->compute(x))(0, 0), 16.0f);
  options.pad_mode = PadMode::constant;
  EXPECT_FLOAT_EQ((*Stft::create(options)->compute(x))(0, 0), 8.0f);
}

TEST(StftOptions, InvalidOnesAreRefusedNamingTheOption) {
  const auto refused = [](const StftOptions& options, const char* word) {
    auto stft = Stft::create(options);
    ASSERT_FALSE(stft.ok()) << word;
    EXPECT_EQ(stft.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(stft.error().message.find(word), std::string::npos) << stft.error().message;
  };
  refused({.n_fft = 0}, "n_fft");
  refused({.n_fft = 512, .win_length = 513}, "win_length");
  refused({.n_fft = 512, .win_length = 0}, "win_length");
  refused({.hop_length = 0}, "hop_length");
  refused({.power = 0.0f}, "power");
  refused({.power = std::nanf("")}, "power");
}

TEST(StftOptions, SignalsWithoutAFrameAreRefused) {
  auto stft = Stft::create({.n_fft = 512, .center = false});
  ASSERT_TRUE(stft.ok());
  auto short_signal = stft->compute(std::vector<float>(511, 0.1f));
  ASSERT_FALSE(short_signal.ok());
  EXPECT_EQ(short_signal.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(short_signal.error().message.find("shorter than n_fft"), std::string::npos);
  auto empty = Stft::create({})->compute({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, core::ErrorCode::invalid_input);
  // Centred, a signal shorter than n_fft still gives frames (librosa pads it).
  EXPECT_EQ(Stft::create({})->compute(std::vector<float>(100, 0.1f))->rows, 1u);
}

TEST(Stft, OneInstanceServesManyThreadsAtOnce) {
  auto stft = Stft::create({.n_fft = 1024, .hop_length = 256});
  ASSERT_TRUE(stft.ok());
  const auto x = sine(330.0, 22050, 30000);
  const auto reference = stft->compute(x)->values;
  std::vector<int> mismatches(4, 0);
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int repeat = 0; repeat < 20; ++repeat) {
          if (stft->compute(x)->values != reference) ++mismatches[t];
        }
      });
    }
  }
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

void check_golden(const char* feature, float power, double floor_ratio, double tolerance) {
  const auto cases = test::load_reference_cases(feature);
  ASSERT_FALSE(cases.empty()) << "no " << feature << " cases in the manifest";
  double worst = 0.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto stft = Stft::create(test::stft_options(c.params, power));
    ASSERT_TRUE(stft.ok()) << stft.error().message;
    EXPECT_EQ(stft->frame_count(c.input.size()), c.expected.shape.at(0));
    auto out = stft->compute(c.input);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_TRUE(test::same_shape(*out, c)) << out->rows << " x " << out->cols;
    const double error =
        test::max_relative_error_to_peak(out->values, c.expected.values, floor_ratio);
    EXPECT_LE(error, tolerance);
    worst = std::max(worst, error);
  }
  ::testing::Test::RecordProperty(std::string("worst_relative_error_") + feature,
                                  std::to_string(worst));
  std::printf("%s: %zu cases, worst relative error %.3g (floor %g of the peak)\n", feature,
              cases.size(), worst, floor_ratio);
}

TEST(StftReference, PowerMatchesTorchStft) {
  check_golden("stft_power", 2.0f, kPowerFloor, kPowerTolerance);
}

TEST(StftReference, MagnitudeMatchesTorchStft) {
  check_golden("stft_magnitude", 1.0f, kMagnitudeFloor, kMagnitudeTolerance);
}

}  // namespace
}  // namespace earshot::dsp
