// Mel spectrogram: defaults, refused options, the sparse and dense (BLAS) products agreeing, and
// the golden mel spectrograms of tools/reference (torchaudio.transforms.MelSpectrogram in
// float64 = librosa.feature.melspectrogram).
//
// Tolerance, every "mel" golden, both products: relative error <= 1e-4 (power 2) and <= 3e-4
// (power 1, a mel spectrogram of magnitudes), as |a - b| / max(|b|, floor) with the floor 60 dB
// below the case's peak (1e-6 of the peak for power, 1e-3 for magnitude). Reached: 3.0e-5 to
// 4.2e-5 for power, 1.8e-4 to 2.1e-4 for magnitude, depending on the FFTW algorithm planned
// (the tones case: bands 60 dB down sum dozens of bins that each carry the FFT's float32
// round-off, about 2e-7 of the peak). Shapes and frame counts identical for constant, reflect
// and uncentred cases.
#include "dsp/spectral/mel_spectrogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
constexpr double kMagnitudeTolerance = 3e-4;

std::vector<float> tone(double hz, std::size_t samples) {
  std::vector<float> x(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    x[i] = 0.5f * static_cast<float>(std::sin(2.0 * std::numbers::pi * hz * i / 22050.0));
  }
  return x;
}

TEST(MelSpectrogramDefaults, AreLibrosas) {
  auto mel = MelSpectrogram::create({});
  ASSERT_TRUE(mel.ok()) << mel.error().message;
  EXPECT_EQ(mel->stft().n_fft(), 2048);
  EXPECT_EQ(mel->stft().hop_length(), 512);
  EXPECT_EQ(mel->stft().options().power, 2.0f);
  EXPECT_EQ(mel->filterbank().rows, 128u);
  EXPECT_EQ(mel->mel_options().sample_rate, 22050);
  auto out = mel->compute(tone(1000.0, 22050));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->rows, 44u);
  EXPECT_EQ(out->cols, 128u);
}

TEST(MelSpectrogramDefaults, PutAToneInTheBandsThatCoverIt) {
  auto mel = MelSpectrogram::create({});
  ASSERT_TRUE(mel.ok());
  auto out = mel->compute(tone(1000.0, 22050));
  ASSERT_TRUE(out.ok());
  const auto row = out->row(20);
  const auto loudest =
      static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
  // 1 kHz lies at bin 92.9; the loudest band must be one whose triangle covers that bin.
  EXPECT_GT(mel->filterbank()(loudest, 93), 0.0f) << "band " << loudest;
}

TEST(MelSpectrogram, SparseAndDenseProductsAgree) {
  std::vector<float> x = tone(440.0, 30000);
  const auto chirp = tone(3000.0, 30000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += 0.3f * chirp[i];
  for (int n_fft : {512, 2048}) {
    MelSpectrogramOptions options{.stft = {.n_fft = n_fft}, .mel = {.n_mels = 64, .fmin = 100.0}};
    auto sparse = MelSpectrogram::create(options)->compute(x);
    options.product = MelProduct::dense;
    auto dense = MelSpectrogram::create(options)->compute(x);
    ASSERT_TRUE(sparse.ok() && dense.ok());
    ASSERT_EQ(sparse->values.size(), dense->values.size());
    EXPECT_LE(test::max_relative_error_to_peak(sparse->values, dense->values, 1e-6), 1e-5)
        << "n_fft " << n_fft;
  }
}

TEST(MelSpectrogram, FromASpectrogramOrItsRowsEqualsFromTheSignal) {
  auto mel = MelSpectrogram::create({.stft = {.n_fft = 512}, .mel = {.n_mels = 40}});
  ASSERT_TRUE(mel.ok());
  const auto x = tone(880.0, 8000);
  auto power = mel->stft().compute(x);
  ASSERT_TRUE(power.ok());
  auto from_power = mel->from_spectrogram(*power);
  ASSERT_TRUE(from_power.ok());
  EXPECT_EQ(from_power->values, mel->compute(x)->values);
  // A block of rows at a time, as a caller driving Stft::compute_frames would.
  std::vector<float> block(3 * 40);
  mel->project(std::span(power->values).subspan(5 * 257, 3 * 257), 3, block);
  EXPECT_EQ(block, std::vector<float>(from_power->values.begin() + 5 * 40,
                                      from_power->values.begin() + 8 * 40));
  auto wrong = mel->from_spectrogram(Matrix(3, 256));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, core::ErrorCode::invalid_input);
}

TEST(MelSpectrogramOptions, InvalidOnesAreRefusedNamingTheOption) {
  const auto refused = [](const MelSpectrogramOptions& options, const char* word) {
    auto mel = MelSpectrogram::create(options);
    ASSERT_FALSE(mel.ok()) << word;
    EXPECT_EQ(mel.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(mel.error().message.find(word), std::string::npos) << mel.error().message;
  };
  refused({.stft = {.n_fft = 0}}, "n_fft");
  refused({.stft = {.hop_length = -5}}, "hop_length");
  refused({.mel = {.n_mels = 0}}, "n_mels");
  refused({.stft = {.power = -1.0f}}, "power");
  refused({.mel = {.fmin = 8000.0, .fmax = 100.0}}, "fmax");
  auto empty = MelSpectrogram::create({})->compute({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, core::ErrorCode::invalid_input);
}

TEST(MelSpectrogram, OneInstanceServesManyThreadsAtOnce) {
  auto mel = MelSpectrogram::create({.stft = {.n_fft = 1024}, .mel = {.n_mels = 40}});
  ASSERT_TRUE(mel.ok());
  const auto x = tone(660.0, 40000);
  const auto reference = mel->compute(x)->values;
  std::vector<int> mismatches(4, 0);
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int repeat = 0; repeat < 10; ++repeat) {
          if (mel->compute(x)->values != reference) ++mismatches[t];
        }
      });
    }
  }
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

void check_golden(MelProduct product) {
  const auto cases = test::load_reference_cases("mel");
  ASSERT_FALSE(cases.empty()) << "no mel cases in the manifest";
  double worst_power = 0.0;
  double worst_magnitude = 0.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto options = test::mel_spectrogram_options(c.params);
    options.product = product;
    auto mel = MelSpectrogram::create(options);
    ASSERT_TRUE(mel.ok()) << mel.error().message;
    EXPECT_EQ(mel->frame_count(c.input.size()), c.expected.shape.at(0));
    auto out = mel->compute(c.input);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_TRUE(test::same_shape(*out, c)) << out->rows << " x " << out->cols;
    const bool magnitude = options.stft.power == 1.0f;
    const double error =
        test::max_relative_error_to_peak(out->values, c.expected.values, magnitude ? 1e-3 : 1e-6);
    EXPECT_LE(error, magnitude ? kMagnitudeTolerance : kPowerTolerance);
    (magnitude ? worst_magnitude : worst_power) =
        std::max(magnitude ? worst_magnitude : worst_power, error);
  }
  std::printf("mel (%s): %zu cases, worst relative error %.3g (power), %.3g (magnitude)\n",
              product == MelProduct::sparse ? "sparse" : "dense", cases.size(), worst_power,
              worst_magnitude);
}

TEST(MelSpectrogramReference, SparseProductMatchesTorchaudio) {
  check_golden(MelProduct::sparse);
}

TEST(MelSpectrogramReference, DenseProductMatchesTorchaudio) {
  check_golden(MelProduct::dense);
}

}  // namespace
}  // namespace earshot::dsp
