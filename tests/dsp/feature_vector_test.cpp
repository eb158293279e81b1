// earshot-features-v1: the names and their order are a contract with trained models, so the
// whole list is spelled out here; the values must be finite and mean what docs/features.md
// says on signals whose answer is known.
//
// Tolerances: pitch of a pure tone within 1 % (YIN's own accuracy at these periods); levels
// within 0.05 dB; rates within one crossing per frame; everything else is a property (finite,
// ordered, exact for silence).
#include "dsp/descriptors/feature_vector.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

const std::vector<std::string> kV1Names = {
    "mfcc_00_mean",
    "mfcc_00_std",
    "mfcc_00_delta_std",
    "mfcc_01_mean",
    "mfcc_01_std",
    "mfcc_01_delta_std",
    "mfcc_02_mean",
    "mfcc_02_std",
    "mfcc_02_delta_std",
    "mfcc_03_mean",
    "mfcc_03_std",
    "mfcc_03_delta_std",
    "mfcc_04_mean",
    "mfcc_04_std",
    "mfcc_04_delta_std",
    "mfcc_05_mean",
    "mfcc_05_std",
    "mfcc_05_delta_std",
    "mfcc_06_mean",
    "mfcc_06_std",
    "mfcc_06_delta_std",
    "mfcc_07_mean",
    "mfcc_07_std",
    "mfcc_07_delta_std",
    "mfcc_08_mean",
    "mfcc_08_std",
    "mfcc_08_delta_std",
    "mfcc_09_mean",
    "mfcc_09_std",
    "mfcc_09_delta_std",
    "mfcc_10_mean",
    "mfcc_10_std",
    "mfcc_10_delta_std",
    "mfcc_11_mean",
    "mfcc_11_std",
    "mfcc_11_delta_std",
    "mfcc_12_mean",
    "mfcc_12_std",
    "mfcc_12_delta_std",
    "spectral_centroid_mean",
    "spectral_centroid_std",
    "spectral_centroid_p10",
    "spectral_centroid_median",
    "spectral_centroid_p90",
    "spectral_bandwidth_mean",
    "spectral_bandwidth_std",
    "spectral_bandwidth_p10",
    "spectral_bandwidth_median",
    "spectral_bandwidth_p90",
    "spectral_rolloff_mean",
    "spectral_rolloff_std",
    "spectral_rolloff_p10",
    "spectral_rolloff_median",
    "spectral_rolloff_p90",
    "spectral_flatness_mean",
    "spectral_flatness_std",
    "spectral_flatness_p10",
    "spectral_flatness_median",
    "spectral_flatness_p90",
    "zcr_mean",
    "zcr_std",
    "zcr_p10",
    "zcr_median",
    "zcr_p90",
    "rms_mean",
    "rms_std",
    "rms_p10",
    "rms_median",
    "rms_p90",
    "pitch_voiced_fraction",
    "pitch_median",
    "pitch_p10",
    "pitch_p90",
    "pitch_std_semitones",
    "level_dbfs",
    "dynamic_range_db",
    "silent_fraction",
    "modulation_4hz_ratio",
};

using Features = std::map<std::string, float>;

Features features_of(const std::vector<float>& signal) {
  static const auto extractor = FeatureExtractor::create();
  EXPECT_TRUE(extractor.ok());
  auto values = extractor->compute(signal, kFeatureSampleRate);
  EXPECT_TRUE(values.ok()) << values.error().message;
  Features named;
  const auto names = feature_names();
  for (std::size_t i = 0; values.ok() && i < names.size(); ++i) named[names[i]] = (*values)[i];
  return named;
}

void expect_all_finite(const Features& features, const char* what) {
  for (const auto& [name, value] : features) {
    EXPECT_TRUE(std::isfinite(value)) << what << ": " << name << " = " << value;
  }
}

constexpr std::size_t kSecond = kFeatureSampleRate;

TEST(FeatureVector, NamesAreTheV1ContractInOrder) {
  const auto names = feature_names();
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.end()), kV1Names);
  EXPECT_EQ(kFeatureSetName, "earshot-features-v1");
  EXPECT_EQ(kFeatureSampleRate, 22050);
}

TEST(FeatureVector, NamesAreUniqueAndAsManyAsValues) {
  const auto names = feature_names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  auto extractor = FeatureExtractor::create();
  ASSERT_TRUE(extractor.ok());
  auto values = extractor->compute(test::noise(0.1, kSecond, 3), kFeatureSampleRate);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->size(), names.size());
}

TEST(FeatureVector, RefusesOtherRatesEmptySignalsAndNaN) {
  auto extractor = FeatureExtractor::create();
  ASSERT_TRUE(extractor.ok());
  const auto tone = test::sine(440.0, 0.5, 16000, 16000);
  auto wrong_rate = extractor->compute(tone, 16000);
  ASSERT_FALSE(wrong_rate.ok());
  EXPECT_EQ(wrong_rate.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(wrong_rate.error().message.find("22050"), std::string::npos);
  EXPECT_FALSE(FeatureExtractor::create(4000).ok());
  EXPECT_FALSE(FeatureExtractor::create(96000).ok());

  EXPECT_FALSE(extractor->compute({}, kFeatureSampleRate).ok());
  auto broken = test::noise(0.1, 4096);
  broken[100] = NAN;
  auto nan = extractor->compute(broken, kFeatureSampleRate);
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.error().message.find("NaN"), std::string::npos);
}

TEST(FeatureVector, SilenceHasDefinedFiniteValues) {
  const auto f = features_of(test::silence(2 * kSecond));
  expect_all_finite(f, "silence");
  EXPECT_EQ(f.at("silent_fraction"), 1.0f);
  EXPECT_EQ(f.at("level_dbfs"), -120.0f);
  EXPECT_EQ(f.at("dynamic_range_db"), 0.0f);
  EXPECT_EQ(f.at("modulation_4hz_ratio"), 0.0f);
  EXPECT_EQ(f.at("pitch_voiced_fraction"), 0.0f);
  EXPECT_EQ(f.at("pitch_median"), 0.0f);
  EXPECT_EQ(f.at("pitch_std_semitones"), 0.0f);
  EXPECT_EQ(f.at("zcr_mean"), 0.0f);
  EXPECT_EQ(f.at("rms_p90"), 0.0f);
  EXPECT_EQ(f.at("spectral_centroid_mean"), 0.0f);
  EXPECT_EQ(f.at("spectral_rolloff_median"), 0.0f);
  EXPECT_NEAR(f.at("spectral_flatness_mean"), 1.0f, 1e-6);
  // Every mel band at the -100 dB floor: c0 = -100 sqrt(128), the rest 0, nothing moving.
  EXPECT_NEAR(f.at("mfcc_00_mean"), -100.0 * std::sqrt(128.0), 0.01);
  EXPECT_NEAR(f.at("mfcc_03_mean"), 0.0f, 1e-3);
  EXPECT_EQ(f.at("mfcc_00_std"), 0.0f);
  EXPECT_EQ(f.at("mfcc_00_delta_std"), 0.0f);
}

TEST(FeatureVector, NoiseIsFiniteUnvoicedAndFlat) {
  const auto f = features_of(test::noise(0.3, 2 * kSecond, 5));
  expect_all_finite(f, "noise");
  EXPECT_LT(f.at("pitch_voiced_fraction"), 0.1f);
  EXPECT_GT(f.at("spectral_flatness_median"), 0.4f);
  EXPECT_NEAR(f.at("spectral_centroid_median"), kFeatureSampleRate / 4.0, 400.0);
  EXPECT_EQ(f.at("silent_fraction"), 0.0f);
  EXPECT_NEAR(f.at("zcr_median"), 0.5f, 0.03f);  // white noise changes sign every other sample
}

TEST(FeatureVector, A440HzToneHasPitch440) {
  const auto f = features_of(test::sine(440.0, 0.5, kFeatureSampleRate, 3 * kSecond));
  expect_all_finite(f, "440 Hz");
  EXPECT_NEAR(f.at("pitch_median"), 440.0f, 4.4f);
  EXPECT_NEAR(f.at("pitch_p10"), 440.0f, 4.4f);
  EXPECT_NEAR(f.at("pitch_p90"), 440.0f, 4.4f);
  EXPECT_GT(f.at("pitch_voiced_fraction"), 0.9f);
  EXPECT_LT(f.at("pitch_std_semitones"), 0.1f);
  EXPECT_NEAR(f.at("zcr_median"), 2.0 * 440.0 / kFeatureSampleRate, 1.0 / 2048);
  EXPECT_NEAR(f.at("spectral_centroid_median"), 440.0f, 15.0f);
  EXPECT_NEAR(f.at("rms_median"), 0.5 / std::sqrt(2.0), 1e-3);
  EXPECT_NEAR(f.at("level_dbfs"), 20.0 * std::log10(0.5 / std::sqrt(2.0)), 0.05);
  EXPECT_LT(f.at("spectral_flatness_median"), 0.01f);
}

TEST(FeatureVector, ToneAndChordsStayFinite) {
  std::vector<float> chord = test::sine(220.0, 0.3, kFeatureSampleRate, kSecond);
  const auto fifth = test::sine(330.0, 0.3, kFeatureSampleRate, kSecond);
  for (std::size_t i = 0; i < chord.size(); ++i) chord[i] += fifth[i];
  expect_all_finite(features_of(chord), "chord");
  // Shorter than one frame, and a single sample.
  expect_all_finite(features_of(test::sine(1000.0, 0.5, kFeatureSampleRate, 300)), "short");
  expect_all_finite(features_of({0.25f}), "one sample");
}

TEST(FeatureVector, SilenceBetweenTonesIsCounted) {
  const auto tone = test::sine(300.0, 0.5, kFeatureSampleRate, kSecond);
  const auto gap = test::silence(kSecond);
  const auto f = features_of(test::concat(tone, gap));
  // Half the frames are silent, give or take the two frames that straddle the edge.
  EXPECT_NEAR(f.at("silent_fraction"), 0.5f, 0.05f);
  EXPECT_NEAR(f.at("pitch_voiced_fraction"), 0.5f, 0.05f);
  EXPECT_NEAR(f.at("pitch_median"), 300.0f, 3.0f);
}

TEST(FeatureVector, FourHertzModulationIsSeen) {
  // Noise whose loudness swings at 4 Hz (the syllable rate) against steady noise.
  auto swinging = test::noise(0.3, 4 * kSecond, 8);
  const auto steady = test::noise(0.3, 4 * kSecond, 9);
  for (std::size_t i = 0; i < swinging.size(); ++i) {
    swinging[i] *=
        static_cast<float>(0.55 + 0.45 * std::sin(2.0 * std::numbers::pi * 4.0 * i / kSecond));
  }
  const auto modulated = features_of(swinging);
  const auto flat = features_of(steady);
  EXPECT_GT(modulated.at("modulation_4hz_ratio"), 0.8f);
  EXPECT_LT(flat.at("modulation_4hz_ratio"), 0.5f);
  EXPECT_GT(modulated.at("dynamic_range_db"), flat.at("dynamic_range_db") + 6.0f);
}

TEST(FeatureVector, SameInputSameValuesFromAnyThread) {
  auto extractor = FeatureExtractor::create();
  ASSERT_TRUE(extractor.ok());
  const auto signal = test::sine(523.25, 0.4, kFeatureSampleRate, kSecond);
  const auto reference = extractor->compute(signal, kFeatureSampleRate);
  ASSERT_TRUE(reference.ok());
  std::vector<int> mismatches(3, 0);
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
      threads.emplace_back([&, t] {
        auto values = extractor->compute(signal, kFeatureSampleRate);
        if (!values.ok() || *values != *reference) ++mismatches[t];
      });
    }
  }
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace earshot::dsp

namespace earshot::dsp {
namespace {

// At another rate the same names measure the same things in Hz: a 440 Hz tone's pitch and
// centroid, a 4 Hz swing's modulation share.
TEST(FeatureVector, OtherRatesMeasureInHertz) {
  for (const int rate : {8000, 16000, 44100}) {
    auto extractor = FeatureExtractor::create(rate);
    ASSERT_TRUE(extractor.ok()) << rate;
    EXPECT_EQ(extractor->sample_rate(), rate);
    auto tone = test::sine(440.0, 0.5, rate, static_cast<std::size_t>(rate));
    for (std::size_t i = 0; i < tone.size(); ++i) {
      tone[i] *=
          static_cast<float>(0.55 + 0.45 * std::sin(2.0 * std::numbers::pi * 4.0 * i / rate));
    }
    const auto values = extractor->compute(tone, rate);
    ASSERT_TRUE(values.ok()) << values.error().message;
    Features f;
    const auto names = feature_names();
    for (std::size_t i = 0; i < names.size(); ++i) f[names[i]] = (*values)[i];
    expect_all_finite(f, "440 Hz");
    EXPECT_NEAR(f.at("pitch_median"), 440.0f, 5.0f) << rate;
    EXPECT_NEAR(f.at("spectral_centroid_median"), 440.0f, 60.0f) << rate;
    EXPECT_GT(f.at("modulation_4hz_ratio"), 0.8f) << rate;
    EXPECT_FALSE(extractor->compute(tone, kFeatureSampleRate).ok());
  }
}

}  // namespace
}  // namespace earshot::dsp
