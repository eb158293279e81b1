// power_to_db: librosa's formula at known points (reference value or maximum, amin, top_db over
// the whole input), refused options, and the golden power_to_db of tools/reference (numpy
// librosa.power_to_db of the float64 mel spectrogram; here of earshot's float32 one).
//
// Tolerance, every "power_to_db" golden: max |a - b| <= 1e-3 dB over the values within 80 dB of
// the case's loudest value (with top_db <= 80 that is every value). Reached: 4.3e-4 to 5.0e-4 dB
// (depending on the FFTW algorithm planned). Below that, with top_db off, the power is itself
// float32 round-off (bins 140 dB down) and its decibels differ by up to 0.21 dB, as
// torchaudio's float32 pipeline does (0.2 dB in the manifest's float32_pipeline_diff).
#include "dsp/spectral/decibels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "spectral_reference.hpp"
#include "support/reference.hpp"

namespace earshot::dsp {
namespace {

constexpr double kToleranceDb = 1e-3;
constexpr double kRangeDb = 80.0;

std::vector<float> to_db(std::vector<float> values, const PowerToDbOptions& options = {}) {
  EXPECT_TRUE(power_to_db_in_place(values, options).ok());
  return values;
}

TEST(DecibelDefaults, AreTenLog10ReOneFlooredAt80dBBelowThePeak) {
  const auto db = to_db({1.0f, 0.1f, 100.0f, 1e-12f, 0.0f});
  EXPECT_FLOAT_EQ(db[0], 0.0f);
  EXPECT_NEAR(db[1], -10.0f, 1e-5);
  EXPECT_NEAR(db[2], 20.0f, 1e-5);
  EXPECT_NEAR(db[3], -60.0f, 1e-5);  // 20 dB peak - top_db 80
  EXPECT_NEAR(db[4], -60.0f, 1e-5);
}

TEST(DecibelDefaults, FloorPowersAtAmin) {
  // Without top_db, zero power reads amin = 1e-10: -100 dB re 1.
  const auto db = to_db({0.0f, 1e-20f, 1.0f}, {.top_db = std::nullopt});
  EXPECT_NEAR(db[0], -100.0f, 1e-5);
  EXPECT_NEAR(db[1], -100.0f, 1e-5);
  EXPECT_EQ(db[2], 0.0f);
}

TEST(Decibels, MaxReferencePutsTheLoudestValueAtZero) {
  const auto db = to_db({2.0f, 1.0f, 0.02f}, {.reference = DbReference::max});
  EXPECT_EQ(db[0], 0.0f);
  EXPECT_NEAR(db[1], -10.0 * std::log10(2.0), 1e-5);
  EXPECT_NEAR(db[2], -20.0f, 1e-5);
}

TEST(Decibels, ReferenceValueCountsByItsMagnitude) {
  const auto db = to_db({4.0f}, {.ref_value = -2.0});
  EXPECT_NEAR(db[0], 10.0 * std::log10(2.0), 1e-5);
}

TEST(Decibels, TopDbIsMeasuredFromThePeakOfTheWholeInput) {
  // Two "frames" of very different loudness: the quiet one is floored by the loud one's peak.
  auto power = Matrix(2, 2);
  power(0, 0) = 1.0f;
  power(0, 1) = 1e-3f;
  power(1, 0) = 1e-6f;
  power(1, 1) = 1e-7f;
  auto db = power_to_db(power, {.top_db = 50.0});
  ASSERT_TRUE(db.ok());
  EXPECT_NEAR((*db)(0, 1), -30.0f, 1e-5);
  EXPECT_NEAR((*db)(1, 0), -50.0f, 1e-5);
  EXPECT_NEAR((*db)(1, 1), -50.0f, 1e-5);
  EXPECT_TRUE(power_to_db(Matrix{}).ok());  // nothing to convert is not an error
}

TEST(DecibelOptions, InvalidOnesAreRefusedAndLeaveTheValuesAlone) {
  const auto refused = [](const PowerToDbOptions& options, const char* word) {
    std::vector<float> values = {1.0f, 2.0f};
    auto status = power_to_db_in_place(values, options);
    ASSERT_FALSE(status.ok()) << word;
    EXPECT_EQ(status.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(status.error().message.find(word), std::string::npos) << status.error().message;
    EXPECT_EQ(values, (std::vector<float>{1.0f, 2.0f}));
  };
  refused({.amin = 0.0}, "amin");
  refused({.amin = -1e-10}, "amin");
  refused({.amin = std::nan("")}, "amin");
  refused({.top_db = -1.0}, "top_db");
  refused({.ref_value = std::nan("")}, "ref");
  EXPECT_TRUE(validate(PowerToDbOptions{}).ok());
  EXPECT_TRUE(validate(PowerToDbOptions{.reference = DbReference::max, .top_db = 0.0}).ok());
}

TEST(DecibelReference, PowerToDbOfMelSpectrogramsMatchesLibrosa) {
  const auto cases = test::load_reference_cases("power_to_db");
  ASSERT_FALSE(cases.empty()) << "no power_to_db cases in the manifest";
  double worst = 0.0;
  double worst_anywhere = 0.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto mel = MelSpectrogram::create(test::mel_spectrogram_options(c.params));
    ASSERT_TRUE(mel.ok()) << mel.error().message;
    auto power = mel->compute(c.input);
    ASSERT_TRUE(power.ok()) << power.error().message;
    auto db = power_to_db(*power, test::power_to_db_options(c.params));
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE(test::same_shape(*db, c)) << db->rows << " x " << db->cols;
    const double error = test::max_db_error_within(db->values, c.expected.values, kRangeDb);
    EXPECT_LE(error, kToleranceDb);
    worst = std::max(worst, error);
    worst_anywhere =
        std::max(worst_anywhere, test::max_absolute_error(db->values, c.expected.values));
  }
  std::printf("power_to_db: %zu cases, worst %.3g dB within 80 dB of the peak, %.3g dB anywhere\n",
              cases.size(), worst, worst_anywhere);
}

}  // namespace
}  // namespace earshot::dsp
