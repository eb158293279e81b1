// content-log-mel-v1: the levels' layout and floor, that the band shape is content-features-v1's
// first block (the sustained-sound rule was tuned on those values), and the padding rules.
#include "dsp/content/content_log_mel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "dsp/content/content_features.hpp"

namespace earshot::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<float> levels_of(std::span<const float> window) {
  std::vector<float> levels(ContentLogMel::kLevels);
  ContentLogMel::instance().compute(window, levels);
  return levels;
}

// A 1 kHz tone over faint white noise.
std::vector<float> tone_over_noise() {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 0.001f);
  std::vector<float> x(ContentLogMel::kWindowSamples);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(0.5 * std::sin(2 * kPi * 1000.0 * i / ContentLogMel::kSampleRate)) +
           normal(rng);
  }
  return x;
}

TEST(ContentLogMel, DigitalSilenceSitsOnTheFloor) {
  const auto levels = levels_of(std::vector<float>(ContentLogMel::kWindowSamples, 0.0f));
  for (const float level : levels) EXPECT_FLOAT_EQ(level, -80.0f);
}

TEST(ContentLogMel, ATonesEnergyIsInItsBandInEveryFrame) {
  const auto levels = levels_of(tone_over_noise());
  // Band 0 is lowest; 1 kHz lies in the lower half of the 64 Slaney bands up to 8 kHz.
  for (std::size_t t = 2; t + 2 < ContentLogMel::kFrames; ++t) {
    const auto row = std::span(levels).subspan(t * ContentLogMel::kBands, ContentLogMel::kBands);
    const auto loudest = std::max_element(row.begin(), row.end()) - row.begin();
    EXPECT_GT(loudest, 10) << "frame " << t;
    EXPECT_LT(loudest, 32) << "frame " << t;
  }
}

TEST(ContentLogMel, TheBandShapeIsContentFeaturesFirstBlock) {
  const auto window = tone_over_noise();
  std::vector<float> shape(ContentLogMel::kBands);
  ContentLogMel::band_shape(levels_of(window), shape);
  std::vector<float> features(ContentFeatures::kSize);
  ContentFeatures::instance().compute(window, features);
  for (std::size_t b = 0; b < ContentLogMel::kBands; ++b) {
    EXPECT_NEAR(shape[b], features[b], 1e-3) << "band " << b;
  }
}

TEST(ContentLogMel, AShortWindowIsZeroPaddedAndBadSamplesAreZero) {
  const auto full = tone_over_noise();
  auto padded = full;
  std::fill(padded.begin() + 8000, padded.end(), 0.0f);
  EXPECT_EQ(levels_of(std::span(full).first(8000)), levels_of(padded));
  auto with_nan = padded;
  with_nan[100] = NAN;
  with_nan[200] = -INFINITY;
  auto zeroed = padded;
  zeroed[100] = zeroed[200] = 0.0f;
  EXPECT_EQ(levels_of(with_nan), levels_of(zeroed));
}

TEST(ContentLogMel, WrongSizesAreRefused) {
  std::vector<float> too_few(ContentLogMel::kLevels - 1);
  EXPECT_THROW(ContentLogMel::instance().compute(tone_over_noise(), too_few),
               std::invalid_argument);
  std::vector<float> shape(ContentLogMel::kBands);
  EXPECT_THROW(ContentLogMel::band_shape(too_few, shape), std::invalid_argument);
}

}  // namespace
}  // namespace earshot::dsp
