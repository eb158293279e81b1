// MFCC: the orthonormal DCT-II, librosa's lifter, refused options, and the golden MFCCs of
// tools/reference (numpy librosa.feature.mfcc over the float64 mel spectrogram, cross-checked
// there with torchaudio.transforms.MFCC).
//
// Tolerance, every "mfcc" golden: |a - b| <= 1e-3 x max(1, |lifter weight of the coefficient|)
// — liftering multiplies coefficient k, and with it any error, by 1 + (L/2) sin(pi (k+1) / L),
// up to 12 for L = 22. Reached: 1.8e-4 to 2.1e-4 absolute without a lifter, 1.6e-3 absolute
// (under 2.1e-4 after dividing by the weight) with lifter 22; the error is that of the
// decibels (float32 power); the DCT itself runs in double precision.
#include "dsp/spectral/mfcc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "spectral_reference.hpp"
#include "support/reference.hpp"

namespace earshot::dsp {
namespace {

constexpr double kTolerance = 1e-3;

double lifter_weight(double lifter, std::size_t k) {
  if (lifter <= 0.0) return 1.0;
  return 1.0 + lifter / 2.0 * std::sin(std::numbers::pi * static_cast<double>(k + 1) / lifter);
}

TEST(MfccDefaults, AreLibrosas) {
  auto mfcc = Mfcc::create({});
  ASSERT_TRUE(mfcc.ok()) << mfcc.error().message;
  EXPECT_EQ(mfcc->n_mfcc(), 20);
  EXPECT_EQ(mfcc->mel_spectrogram().filterbank().rows, 128u);
  std::vector<float> x(22050);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = 0.3f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 523.0 * i / 22050.0));
  }
  auto c = mfcc->compute(x);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->rows, 44u);
  EXPECT_EQ(c->cols, 20u);
}

TEST(MfccDefaults, AFlatLogMelSpectrumHasOnlyC0) {
  auto mfcc = Mfcc::create({});
  ASSERT_TRUE(mfcc.ok());
  Matrix log_mel(3, 128, -50.0f);
  auto c = mfcc->from_log_mel(log_mel);
  ASSERT_TRUE(c.ok());
  for (std::size_t t = 0; t < 3; ++t) {
    EXPECT_NEAR((*c)(t, 0), -50.0 * std::sqrt(128.0), 1e-3);
    for (std::size_t k = 1; k < 20; ++k) EXPECT_NEAR((*c)(t, k), 0.0f, 1e-4) << k;
  }
}

TEST(Mfcc, DctIsOrthonormal) {
  const int n = 40;
  const auto dct = dct_ii_ortho(n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double dot = 0.0;
      for (int k = 0; k < n; ++k) dot += dct[i * n + k] * dct[j * n + k];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12) << i << ", " << j;
    }
  }
}

TEST(Mfcc, LifterScalesEachCoefficientBySinusoidalWeights) {
  Matrix log_mel(2, 40);
  for (std::size_t i = 0; i < log_mel.values.size(); ++i) {
    log_mel.values[i] = -30.0f + 20.0f * std::sin(0.37f * static_cast<float>(i));
  }
  const MfccOptions plain{.mel = {.mel = {.n_mels = 40}}, .n_mfcc = 13};
  MfccOptions liftered = plain;
  liftered.lifter = 22.0;
  auto a = Mfcc::create(plain)->from_log_mel(log_mel);
  auto b = Mfcc::create(liftered)->from_log_mel(log_mel);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t t = 0; t < 2; ++t) {
    for (std::size_t k = 0; k < 13; ++k) {
      EXPECT_NEAR((*b)(t, k), (*a)(t, k) * lifter_weight(22.0, k), 1e-4) << k;
    }
  }
}

TEST(MfccOptions, InvalidOnesAreRefusedNamingTheOption) {
  const auto refused = [](const MfccOptions& options, const char* word) {
    auto mfcc = Mfcc::create(options);
    ASSERT_FALSE(mfcc.ok()) << word;
    EXPECT_EQ(mfcc.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(mfcc.error().message.find(word), std::string::npos) << mfcc.error().message;
  };
  refused({.n_mfcc = 0}, "n_mfcc");
  refused({.mel = {.mel = {.n_mels = 40}}, .n_mfcc = 41}, "n_mfcc");
  refused({.lifter = -1.0}, "lifter");
  refused({.db = {.amin = 0.0}}, "amin");
  refused({.mel = {.stft = {.n_fft = 0}}}, "n_fft");
  auto wrong_bands = Mfcc::create({})->from_log_mel(Matrix(4, 64));
  ASSERT_FALSE(wrong_bands.ok());
  EXPECT_EQ(wrong_bands.error().code, core::ErrorCode::invalid_input);
}

TEST(MfccReference, MatchesLibrosaFeatureMfcc) {
  const auto cases = test::load_reference_cases("mfcc");
  ASSERT_FALSE(cases.empty()) << "no mfcc cases in the manifest";
  double worst_absolute = 0.0;
  double worst_unliftered = 0.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto options = test::mfcc_options(c.params);
    auto mfcc = Mfcc::create(options);
    ASSERT_TRUE(mfcc.ok()) << mfcc.error().message;
    auto out = mfcc->compute(c.input);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_TRUE(test::same_shape(*out, c)) << out->rows << " x " << out->cols;
    double case_worst = 0.0;  // error / the coefficient's lifter weight
    for (std::size_t t = 0; t < out->rows; ++t) {
      for (std::size_t k = 0; k < out->cols; ++k) {
        const double error =
            std::fabs(static_cast<double>((*out)(t, k)) - c.expected.values[t * out->cols + k]);
        const double scale = std::max(1.0, std::fabs(lifter_weight(options.lifter, k)));
        worst_absolute = std::max(worst_absolute, error);
        case_worst = std::max(case_worst, error / scale);
      }
    }
    EXPECT_LE(case_worst, kTolerance);
    worst_unliftered = std::max(worst_unliftered, case_worst);
  }
  std::printf("mfcc: %zu cases, worst %.3g absolute, %.3g divided by the lifter weight\n",
              cases.size(), worst_absolute, worst_unliftered);
}

}  // namespace
}  // namespace earshot::dsp
