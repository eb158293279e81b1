// RealFft against a direct DFT in double precision, and shared use from several threads.
#include "dsp/spectral/fft.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <thread>
#include <vector>

namespace earshot::dsp {
namespace {

std::vector<std::complex<double>> direct_dft(const std::vector<float>& x) {
  const std::size_t n = x.size();
  std::vector<std::complex<double>> out(n / 2 + 1);
  for (std::size_t k = 0; k < out.size(); ++k) {
    for (std::size_t t = 0; t < n; ++t) {
      out[k] += static_cast<double>(x[t]) *
                std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(k * t % n) / n);
    }
  }
  return out;
}

class RealFftSizes : public ::testing::TestWithParam<int> {};

TEST_P(RealFftSizes, MatchesTheDirectDft) {
  const int n = GetParam();
  std::mt19937 random(n);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(n));
  for (float& v : x) v = uniform(random);

  auto fft = RealFft::get(n);
  FftBuffers buffers(n);
  std::copy(x.begin(), x.end(), buffers.input().begin());
  fft->forward(buffers);
  const auto expected = direct_dft(x);
  ASSERT_EQ(buffers.spectrum().size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    // float32 FFT error grows like log2(n) * eps * sqrt(n) on unit-variance input.
    EXPECT_NEAR(buffers.spectrum()[k].real(), expected[k].real(), 2e-4 * std::sqrt(n)) << k;
    EXPECT_NEAR(buffers.spectrum()[k].imag(), expected[k].imag(), 2e-4 * std::sqrt(n)) << k;
  }
  EXPECT_EQ(std::vector<float>(buffers.input().begin(), buffers.input().end()), x)
      << "the input must be preserved";
}

INSTANTIATE_TEST_SUITE_P(PowersOfTwoAndOthers, RealFftSizes,
                         ::testing::Values(1, 2, 400, 512, 1024, 2048, 1000));

TEST(RealFft, OnePlanPerSizeIsShared) {
  EXPECT_EQ(RealFft::get(256).get(), RealFft::get(256).get());
  EXPECT_NE(RealFft::get(256).get(), RealFft::get(512).get());
}

TEST(RealFft, RunsFromManyThreadsAtOnce) {
  auto fft = RealFft::get(1024);
  std::vector<float> x(1024);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.05f * static_cast<float>(i));
  FftBuffers reference(1024);
  std::copy(x.begin(), x.end(), reference.input().begin());
  fft->forward(reference);

  std::vector<int> mismatches(4, 0);
  std::vector<std::jthread> threads;
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      FftBuffers buffers(1024);
      for (int repeat = 0; repeat < 200; ++repeat) {
        std::copy(x.begin(), x.end(), buffers.input().begin());
        fft->forward(buffers);
        if (!std::equal(buffers.spectrum().begin(), buffers.spectrum().end(),
                        reference.spectrum().begin())) {
          ++mismatches[t];
        }
      }
    });
  }
  threads.clear();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace earshot::dsp
