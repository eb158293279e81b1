// Kaldi's mel filterbank: triangles in the mel domain over [low_freq, high_freq], the sparse
// product equal to the dense matrix, and torchaudio's option checks.
#include "dsp/kaldi/kaldi_mel_banks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace earshot::dsp {
namespace {

double kaldi_mel(double hz) {
  return 1127.0 * std::log(1.0 + hz / 700.0);
}

TEST(KaldiMelBanks, DefaultsGiveTwentyThreeFiltersOverTheOneSidedSpectrum) {
  auto banks = KaldiMelBanks::create({});
  ASSERT_TRUE(banks.ok()) << banks.error().message;
  EXPECT_EQ(banks->num_bins(), 23);
  EXPECT_EQ(banks->num_fft_bins(), 257);
  const Matrix dense = banks->dense();
  EXPECT_EQ(dense.rows, 23u);
  EXPECT_EQ(dense.cols, 257u);
}

TEST(KaldiMelBanks, FiltersAreTrianglesBetweenLowAndHighFrequency) {
  const KaldiMelBankOptions options{.num_bins = 40,
                                    .padded_window_size = 512,
                                    .sample_frequency = 16000,
                                    .low_freq = 100,
                                    .high_freq = -400};  // 7600 Hz
  auto banks = KaldiMelBanks::create(options);
  ASSERT_TRUE(banks.ok());
  const Matrix w = banks->dense();
  const double bin_hz = 16000.0 / 512;
  const double delta = (kaldi_mel(7600) - kaldi_mel(100)) / 41;
  for (std::size_t k = 0; k < w.cols; ++k) {
    const double hz = static_cast<double>(k) * bin_hz;
    double column = 0.0;
    for (std::size_t b = 0; b < w.rows; ++b) column += w(b, k);
    if (hz <= 100.0 || hz >= 7600.0) {
      EXPECT_EQ(column, 0.0) << "bin " << k << " (" << hz << " Hz) lies outside the filters";
      continue;
    }
    // Between the first and last centres, the falling edge of one filter and the rising edge
    // of the next share each bin: the weights add up to one.
    const double mel = kaldi_mel(hz);
    if (mel > kaldi_mel(100) + delta && mel < kaldi_mel(7600) - delta) {
      EXPECT_NEAR(column, 1.0, 1e-5) << "bin " << k;
    }
    EXPECT_TRUE(std::isfinite(column));
  }
  // Each filter peaks (close to 1) in the bin nearest its centre.
  for (std::size_t b = 0; b < w.rows; ++b) {
    const double centre_hz = 700.0 * (std::exp((kaldi_mel(100) + (b + 1.0) * delta) / 1127.0) - 1);
    const auto nearest = static_cast<std::size_t>(std::lround(centre_hz / bin_hz));
    std::size_t peak = 0;
    for (std::size_t k = 0; k < w.cols; ++k) {
      if (w(b, k) > w(b, peak)) peak = k;
    }
    EXPECT_LE(std::abs(static_cast<long>(peak) - static_cast<long>(nearest)), 1) << "filter " << b;
    EXPECT_LE(w(b, peak), 1.0f);
  }
}

TEST(KaldiMelBanks, TheNyquistBinHasNoWeight) {
  auto banks = KaldiMelBanks::create({.num_bins = 23, .padded_window_size = 512});
  ASSERT_TRUE(banks.ok());
  const Matrix w = banks->dense();
  for (std::size_t b = 0; b < w.rows; ++b) EXPECT_EQ(w(b, 256), 0.0f);
}

TEST(KaldiMelBanks, SparseProductEqualsTheDenseMatrixProduct) {
  auto banks = KaldiMelBanks::create({.num_bins = 128, .padded_window_size = 512});
  ASSERT_TRUE(banks.ok());
  const Matrix w = banks->dense();
  const std::size_t frames = 5;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> uniform(0.0f, 10.0f);
  std::vector<float> power(frames * w.cols);
  for (float& p : power) p = uniform(random);
  // Written into a wider output at an offset, as the fbank leaves room for the energy column.
  const std::size_t stride = 130;
  std::vector<float> out(frames * stride, -1.0f);
  banks->apply(power.data(), frames, w.cols, out.data() + 1, stride);
  for (std::size_t f = 0; f < frames; ++f) {
    EXPECT_EQ(out[f * stride], -1.0f) << "the column before the output must be left alone";
    for (std::size_t b = 0; b < w.rows; ++b) {
      double expected = 0.0;
      for (std::size_t k = 0; k < w.cols; ++k) expected += w(b, k) * power[f * w.cols + k];
      EXPECT_NEAR(out[f * stride + 1 + b], expected, 1e-5 * std::max(1.0, expected));
    }
    EXPECT_EQ(out[f * stride + 129], -1.0f);
  }
}

TEST(KaldiMelBanks, RefusesWhatTorchaudioRefuses) {
  const auto refused = [](KaldiMelBankOptions o, const char* mentions) {
    auto banks = KaldiMelBanks::create(o);
    ASSERT_FALSE(banks.ok()) << mentions;
    EXPECT_EQ(banks.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(banks.error().message.find(mentions), std::string::npos) << banks.error().message;
  };
  refused({.num_bins = 3}, "num_mel_bins");
  refused({.padded_window_size = 511}, "even");
  refused({.sample_frequency = 0}, "sample_frequency");
  refused({.low_freq = 8000}, "low_freq");  // at Nyquist
  refused({.low_freq = 4000, .high_freq = 3000}, "low_freq");
  refused({.high_freq = 9000}, "high_freq");   // above Nyquist
  refused({.high_freq = -8000}, "high_freq");  // nyquist + high_freq = 0
  refused({.low_freq = -1}, "low_freq");
  EXPECT_TRUE(KaldiMelBanks::create({.num_bins = 4}).ok());
}

}  // namespace
}  // namespace earshot::dsp
