// content-features-v1: shape, finiteness, the gain invariance the contract promises, and that
// the measures respond to what they are meant to (pauses, syllabic modulation, noise flatness).
#include "dsp/content/content_features.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace earshot::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::size_t kPauses = 193, kFlatnessMean = 196, kZcrMean = 200, kSyllabic = 202;

std::vector<float> features_of(const std::vector<float>& window) {
  std::vector<float> out(ContentFeatures::kSize);
  ContentFeatures::instance().compute(window, out);
  return out;
}

std::vector<float> white_noise(float amplitude, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, amplitude);
  std::vector<float> x(ContentFeatures::kWindowSamples);
  for (auto& v : x) v = normal(rng);
  return x;
}

// A 200 Hz buzz switched on and off 4 times a second: syllable-like bursts with pauses.
std::vector<float> syllables() {
  std::vector<float> x(ContentFeatures::kWindowSamples);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / ContentFeatures::kSampleRate;
    const bool on = std::fmod(t * 4.0, 1.0) < 0.5;
    x[i] = on ? static_cast<float>(0.3 * std::sin(2 * kPi * 200 * t) +
                                   0.1 * std::sin(2 * kPi * 400 * t))
              : 0.0f;
  }
  return x;
}

TEST(ContentFeatures, EveryValueIsFiniteForSilenceNoiseAndTones) {
  for (const auto& window : {std::vector<float>(ContentFeatures::kWindowSamples, 0.0f),
                             white_noise(0.1f), syllables()}) {
    const auto f = features_of(window);
    ASSERT_EQ(f.size(), ContentFeatures::kSize);
    for (std::size_t i = 0; i < f.size(); ++i) EXPECT_TRUE(std::isfinite(f[i])) << i;
  }
}

TEST(ContentFeatures, AGainChangeLeavesTheShapeAndDynamicsAlone) {
  // Bursts over a faint noise floor: the -80 dB floor of the features is never reached, which
  // is where the invariance holds (digital silence sits on the floor whatever the gain).
  auto loud = syllables();
  const auto floor = white_noise(0.003f);
  for (std::size_t i = 0; i < loud.size(); ++i) loud[i] += floor[i];
  auto quiet = loud;
  for (auto& v : quiet) v *= 0.1f;  // -20 dB
  const auto a = features_of(quiet);
  const auto b = features_of(loud);
  for (std::size_t i = 0; i < ContentFeatures::kSize; ++i) {
    // Without the normalisation the band means would differ by the full 20 dB.
    EXPECT_NEAR(a[i], b[i], 0.03 * std::max(1.0f, std::abs(b[i])) + 0.2) << i;
  }
}

TEST(ContentFeatures, MeasuresRespondToWhatTheyMeasure) {
  const auto noise = features_of(white_noise(0.1f));
  const auto bursts = features_of(syllables());
  EXPECT_GT(bursts[kPauses], 0.3f);  // half of the frames are pauses
  EXPECT_LT(noise[kPauses], 0.05f);
  EXPECT_GT(bursts[kSyllabic], noise[kSyllabic]);  // 4 Hz modulation
  EXPECT_GT(noise[kFlatnessMean], -3.0f);          // white noise is flat (near 0 dB)
  EXPECT_LT(bursts[kFlatnessMean], -10.0f);        // harmonic tones are not
  EXPECT_GT(noise[kZcrMean], 0.4f);                // white noise crosses zero about half the time
}

TEST(ContentFeatures, AShortWindowIsZeroPaddedAndBadSamplesAreZero) {
  auto full = syllables();
  std::vector<float> half(full.begin(), full.begin() + 8000);
  auto padded = full;
  std::fill(padded.begin() + 8000, padded.end(), 0.0f);
  EXPECT_EQ(features_of(half), features_of(padded));
  auto with_nan = padded;
  with_nan[100] = NAN;
  with_nan[200] = INFINITY;
  auto zeroed = padded;
  zeroed[100] = zeroed[200] = 0.0f;
  EXPECT_EQ(features_of(with_nan), features_of(zeroed));
}

}  // namespace
}  // namespace earshot::dsp
