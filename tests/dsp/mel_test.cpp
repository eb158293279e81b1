// Mel scale and filterbank: librosa.filters.mel's scales, triangle placement and Slaney
// normalisation, refused options, and the golden filterbanks of tools/reference
// (torchaudio.functional.melscale_fbanks in float64, checked there against librosa's formula).
//
// Tolerance, every "mel_filterbank" golden: max |a - b| <= 1e-6 of the bank's largest weight.
// Reached: 0 (bit-identical after rounding to float32), empty filters included.
#include "dsp/spectral/mel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "spectral_reference.hpp"
#include "support/reference.hpp"

namespace earshot::dsp {
namespace {

constexpr double kTolerance = 1e-6;

TEST(MelScale, SlaneyIsLinearBelow1kHzAndLogarithmicAbove) {
  EXPECT_DOUBLE_EQ(hz_to_mel(0.0, MelScale::slaney), 0.0);
  EXPECT_DOUBLE_EQ(hz_to_mel(200.0 / 3.0, MelScale::slaney), 1.0);
  EXPECT_DOUBLE_EQ(hz_to_mel(1000.0, MelScale::slaney), 15.0);
  // Above 1 kHz, every factor of 6.4 in frequency adds 27 mels.
  EXPECT_NEAR(hz_to_mel(6400.0, MelScale::slaney), 15.0 + 27.0, 1e-12);
  for (double hz : {10.0, 440.0, 999.0, 1000.0, 4000.0, 11025.0}) {
    EXPECT_NEAR(mel_to_hz(hz_to_mel(hz, MelScale::slaney), MelScale::slaney), hz, 1e-9 * hz);
  }
}

TEST(MelScale, HtkIs2595Log10OfOnePlusFOver700) {
  EXPECT_NEAR(hz_to_mel(700.0, MelScale::htk), 2595.0 * std::log10(2.0), 1e-9);
  EXPECT_NEAR(hz_to_mel(1000.0, MelScale::htk), 999.9855, 1e-3);
  for (double hz : {0.0, 300.0, 8000.0}) {
    EXPECT_NEAR(mel_to_hz(hz_to_mel(hz, MelScale::htk), MelScale::htk), hz, 1e-9 * (hz + 1));
  }
}

TEST(MelDefaults, Give128SlaneyFiltersOverTheWholeBand) {
  auto bank = mel_filterbank({}, 2048);
  ASSERT_TRUE(bank.ok()) << bank.error().message;
  EXPECT_EQ(bank->rows, 128u);
  EXPECT_EQ(bank->cols, 1025u);
  const double bin_hz = 22050.0 / 2048;
  for (std::size_t m = 0; m < bank->rows; ++m) {
    const auto row = bank->row(m);
    EXPECT_GT(*std::max_element(row.begin(), row.end()), 0.0f) << "filter " << m << " is empty";
    // Slaney normalisation gives each triangle unit area in Hz; the sampled sum approaches it
    // once a filter spans several bins.
    if (m >= 64) {
      double area = 0.0;
      for (float w : row) area += w * bin_hz;
      EXPECT_NEAR(area, 1.0, 0.01) << "filter " << m;
    }
  }
}

TEST(Mel, UnnormalisedTrianglesPeakAtOneAndOverlapByHalf) {
  auto bank = mel_filterbank(
      {.sample_rate = 16000, .n_mels = 20, .scale = MelScale::htk, .norm = MelNorm::none}, 4096);
  ASSERT_TRUE(bank.ok());
  for (std::size_t m = 0; m < bank->rows; ++m) {
    const auto row = bank->row(m);
    EXPECT_LE(*std::max_element(row.begin(), row.end()), 1.0f);
    EXPECT_GT(*std::max_element(row.begin(), row.end()), 0.9f);
  }
  // Between the first centre (88 Hz) and the last (7028 Hz), each bin lies on the falling edge
  // of one triangle and the rising edge of the next, which sum to one.
  for (std::size_t k = 40; k < 1790; ++k) {
    float sum = 0.0f;
    for (std::size_t m = 0; m < bank->rows; ++m) sum += (*bank)(m, k);
    EXPECT_NEAR(sum, 1.0f, 1e-5) << "bin " << k;
  }
}

TEST(Mel, FrequenciesOutsideFminFmaxGetNoWeight) {
  auto bank =
      mel_filterbank({.sample_rate = 22050, .n_mels = 32, .fmin = 300.0, .fmax = 5000.0}, 1024);
  ASSERT_TRUE(bank.ok());
  const double bin_hz = 22050.0 / 1024;
  for (std::size_t k = 0; k < bank->cols; ++k) {
    const double hz = bin_hz * static_cast<double>(k);
    if (hz > 300.0 && hz < 5000.0) continue;
    for (std::size_t m = 0; m < bank->rows; ++m) EXPECT_EQ((*bank)(m, k), 0.0f) << hz << " Hz";
  }
}

TEST(MelOptions, InvalidOnesAreRefusedNamingTheOption) {
  const auto refused = [](const MelOptions& options, int n_fft, const char* word) {
    auto bank = mel_filterbank(options, n_fft);
    ASSERT_FALSE(bank.ok()) << word;
    EXPECT_EQ(bank.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(bank.error().message.find(word), std::string::npos) << bank.error().message;
  };
  refused({.sample_rate = 0}, 2048, "sample_rate");
  refused({.n_mels = 0}, 2048, "n_mels");
  refused({.fmin = -1.0}, 2048, "fmin");
  refused({.fmin = std::nan("")}, 2048, "fmin");
  refused({.fmin = 5000.0, .fmax = 4000.0}, 2048, "fmax");
  refused({.fmin = 11025.0}, 2048, "fmax");  // fmin = the default fmax
  refused({}, 0, "n_fft");
  EXPECT_TRUE(validate(MelOptions{}).ok());
}

TEST(MelReference, FilterbanksMatchLibrosaFiltersMel) {
  const auto cases = test::load_reference_cases("mel_filterbank");
  ASSERT_FALSE(cases.empty()) << "no mel_filterbank cases in the manifest";
  double worst = 0.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bank = mel_filterbank(test::mel_options(c.params), c.params.at("n_fft").get<int>());
    ASSERT_TRUE(bank.ok()) << bank.error().message;
    ASSERT_TRUE(test::same_shape(*bank, c)) << bank->rows << " x " << bank->cols;
    const float peak = *std::max_element(c.expected.values.begin(), c.expected.values.end());
    const double error = test::max_absolute_error(bank->values, c.expected.values) / peak;
    EXPECT_LE(error, kTolerance);
    worst = std::max(worst, error);
    // Filters narrower than a bin stay empty, as librosa leaves them (with a warning).
    for (std::size_t m : c.params.value("empty_filters", std::vector<std::size_t>{})) {
      const auto row = bank->row(m);
      EXPECT_TRUE(std::all_of(row.begin(), row.end(), [](float w) { return w == 0.0f; })) << m;
    }
  }
  std::printf("mel_filterbank: %zu cases, worst max |error| / peak %.3g\n", cases.size(), worst);
}

}  // namespace
}  // namespace earshot::dsp
