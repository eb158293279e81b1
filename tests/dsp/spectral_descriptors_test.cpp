// Spectral centroid, bandwidth, roll-off and flatness against the golden cases (numpy
// transcriptions of librosa 0.10's formulas in float64 on a float64 STFT). Here the input is
// earshot's own float32 magnitude STFT of the case's signal, so the errors below include the
// STFT's round-off.
//
// Tolerances:
//   centroid             relative 1e-4 of the value, floor 1 Hz (silent frames are exactly 0)
//   bandwidth            the same, except narrowband frames (bandwidth < 250 Hz: the chirp's
//                        low-frequency frames), 2 Hz absolute: there the float32 STFT's
//                        round-off floor far from the peak, weighted by (f - centroid)^2,
//                        dominates; the generator's own float32 pipeline is off by 1.0 Hz
//                        (5.6 %) on the same frames, and which FFT algorithm FFTW picks moves
//                        earshot's error between 0.9 and 1.05 Hz, so a float32 STFT cannot do
//                        better than about 1 Hz there
//   roll-off             the same bin, exactly (no golden frame is within round-off of a tie)
//   flatness             absolute 1e-4
#include "dsp/descriptors/spectral_descriptors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "dsp/spectral/stft.hpp"
#include "support/reference.hpp"
#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

constexpr double kHzRelative = 1e-4;
constexpr double kHzFloor = 1.0;
constexpr double kNarrowbandHz = 250.0;
constexpr double kNarrowbandAbsoluteHz = 2.0;
constexpr double kFlatnessAbsolute = 1e-4;

// The magnitude STFT a golden case's descriptor was computed from.
Matrix magnitude_of(const test::ReferenceCase& c) {
  const auto& p = c.params;
  StftOptions options{.n_fft = p.at("n_fft"),
                      .win_length = p.at("win_length").get<int>(),
                      .hop_length = p.at("hop_length").get<int>(),
                      .window = *parse_window_type(p.at("window").get<std::string>()),
                      .symmetry = p.at("window_periodic").get<bool>() ? WindowSymmetry::periodic
                                                                      : WindowSymmetry::symmetric,
                      .center = p.at("center"),
                      .pad_mode = *parse_pad_mode(p.at("pad_mode").get<std::string>()),
                      .power = 1.0f};
  auto stft = Stft::create(options);
  EXPECT_TRUE(stft.ok()) << c.name;
  auto magnitude = stft->compute(c.input);
  EXPECT_TRUE(magnitude.ok()) << c.name;
  return magnitude.ok() ? std::move(*magnitude) : Matrix{};
}

SpectralDescriptorOptions options_of(const test::ReferenceCase& c) {
  const auto& p = c.params;
  SpectralDescriptorOptions o{.sample_rate = p.at("sr"), .n_fft = p.at("n_fft")};
  if (p.contains("roll_percent")) o.roll_percent = p["roll_percent"];
  if (p.contains("p")) o.bandwidth_p = p["p"];
  if (p.contains("amin")) o.flatness_amin = p["amin"];
  if (p.contains("power")) o.flatness_power = p["power"];
  return o;
}

// Runs every case of `feature`, picking one output vector of the descriptors.
template <class Check>
void for_each_case(const std::string& feature, std::vector<float> SpectralFrameFeatures::*member,
                   Check check) {
  const auto cases = test::load_reference_cases(feature);
  ASSERT_FALSE(cases.empty()) << "no golden case for " << feature;
  for (const auto& c : cases) {
    auto descriptors = SpectralDescriptors::create(options_of(c));
    ASSERT_TRUE(descriptors.ok()) << c.name;
    SpectralFrameFeatures out;
    ASSERT_TRUE(descriptors->compute(magnitude_of(c), out).ok()) << c.name;
    const std::vector<float>& actual = out.*member;
    ASSERT_EQ(actual.size(), c.expected.values.size()) << c.name << ": frame count";
    check(c, actual);
  }
}

TEST(SpectralDescriptors, CentroidMatchesTheReference) {
  for_each_case("centroid", &SpectralFrameFeatures::centroid, [](const auto& c, const auto& v) {
    EXPECT_LE(test::max_relative_error(v, c.expected.values, kHzFloor), kHzRelative) << c.name;
  });
}

TEST(SpectralDescriptors, BandwidthMatchesTheReference) {
  for_each_case("bandwidth", &SpectralFrameFeatures::bandwidth, [](const auto& c, const auto& v) {
    for (std::size_t t = 0; t < v.size(); ++t) {
      const double expected = c.expected.values[t];
      const double tolerance = expected < kNarrowbandHz
                                   ? kNarrowbandAbsoluteHz
                                   : kHzRelative * std::max(std::fabs(expected), kHzFloor);
      EXPECT_NEAR(v[t], expected, tolerance) << c.name << " frame " << t;
    }
  });
}

TEST(SpectralDescriptors, RolloffPicksTheReferenceBin) {
  // The generator lists no unstable roll-off frame (none is within 1e-5 of a tie), so every
  // frame must land on the same bin.
  for_each_case("rolloff", &SpectralFrameFeatures::rolloff, [](const auto& c, const auto& v) {
    for (std::size_t t = 0; t < v.size(); ++t) {
      EXPECT_EQ(v[t], c.expected.values[t]) << c.name << " frame " << t;
    }
  });
}

TEST(SpectralDescriptors, FlatnessMatchesTheReference) {
  for_each_case("flatness", &SpectralFrameFeatures::flatness, [](const auto& c, const auto& v) {
    EXPECT_LE(test::max_absolute_error(v, c.expected.values), kFlatnessAbsolute) << c.name;
  });
}

TEST(SpectralDescriptors, DefaultsAreLibrosas) {
  auto descriptors = SpectralDescriptors::create();
  ASSERT_TRUE(descriptors.ok());
  EXPECT_EQ(descriptors->options().sample_rate, 22050);
  EXPECT_EQ(descriptors->options().n_fft, 2048);
  EXPECT_EQ(descriptors->options().roll_percent, 0.85);
  EXPECT_EQ(descriptors->bins(), 1025u);
}

TEST(SpectralDescriptors, InvalidOptionsAreRefusedWithAMessage) {
  const SpectralDescriptorOptions bad[] = {
      {.sample_rate = 0},   {.n_fft = 0},           {.roll_percent = 0.0},    {.roll_percent = 1.0},
      {.bandwidth_p = 0.0}, {.flatness_amin = 0.0}, {.flatness_power = -1.0}, {.bandwidth_p = NAN},
  };
  for (const auto& options : bad) {
    auto descriptors = SpectralDescriptors::create(options);
    ASSERT_FALSE(descriptors.ok());
    EXPECT_EQ(descriptors.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(descriptors.error().message.find("spectral descriptors"), std::string::npos);
  }
}

TEST(SpectralDescriptors, RefusesASpectrogramOfTheWrongWidth) {
  auto descriptors = SpectralDescriptors::create({.n_fft = 1024});
  ASSERT_TRUE(descriptors.ok());
  SpectralFrameFeatures out;
  const auto status = descriptors->compute(Matrix(3, 1025), out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("513"), std::string::npos) << status.error().message;
}

TEST(SpectralDescriptors, SilenceIsZeroHzAndPerfectlyFlat) {
  auto descriptors = SpectralDescriptors::create();
  const SpectralFrame frame = descriptors->compute_frame(std::vector<float>(1025, 0.0f));
  EXPECT_EQ(frame.centroid, 0.0);
  EXPECT_EQ(frame.bandwidth, 0.0);
  EXPECT_EQ(frame.rolloff, 0.0);
  EXPECT_NEAR(frame.flatness, 1.0, 1e-9);  // exp(log amin) / amin, as librosa rounds it
}

TEST(SpectralDescriptors, OneBinIsItsOwnCentroidWithNoSpread) {
  auto descriptors = SpectralDescriptors::create({.sample_rate = 16000, .n_fft = 512});
  std::vector<float> spectrum(257, 0.0f);
  spectrum[32] = 3.0f;  // 32 * 16000 / 512 = 1000 Hz
  const SpectralFrame frame = descriptors->compute_frame(spectrum);
  EXPECT_DOUBLE_EQ(frame.centroid, 1000.0);
  EXPECT_DOUBLE_EQ(frame.bandwidth, 0.0);
  EXPECT_DOUBLE_EQ(frame.rolloff, 1000.0);
  EXPECT_LT(frame.flatness, 1e-3);
}

TEST(SpectralDescriptors, WhiteNoiseIsFlatAndCentredAtHalfNyquist) {
  const auto noise = test::noise(0.5, 22050 * 2, 7);
  auto stft = Stft::create({.power = 1.0f});
  auto magnitude = stft->compute(noise);
  ASSERT_TRUE(magnitude.ok());
  auto descriptors = SpectralDescriptors::create();
  SpectralFrameFeatures out;
  ASSERT_TRUE(descriptors->compute(*magnitude, out).ok());
  const std::size_t middle = out.centroid.size() / 2;
  EXPECT_NEAR(out.centroid[middle], 22050.0 / 4, 300.0);
  EXPECT_NEAR(out.rolloff[middle], 0.85 * 22050 / 2, 600.0);
  // Flatness of a white power spectrum: exp(E log chi2_2 / 2) / 1 = e^-gamma ~ 0.56.
  EXPECT_NEAR(out.flatness[middle], 0.56, 0.08);
}

}  // namespace
}  // namespace earshot::dsp
