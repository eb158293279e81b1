// SparseFilterbank against the plain dense product it replaces, for every frame count around
// its groups of 8, filters of every width, and filters that are all zeros.
#include "dsp/spectral/sparse_filterbank.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace earshot::dsp {
namespace {

// Triangles of varying width and position, plus one empty filter.
Matrix test_filters(std::size_t filters, std::size_t bins) {
  Matrix dense(filters, bins);
  for (std::size_t b = 0; b + 1 < filters; ++b) {
    const std::size_t first = (b * 7) % (bins - 12);
    const std::size_t width = 1 + b % 11;
    for (std::size_t k = 0; k < width; ++k) {
      dense(b, first + k) = 1.0f - static_cast<float>(k) / static_cast<float>(width + 1);
    }
  }
  return dense;  // the last row stays all zeros
}

TEST(SparseFilterbank, EqualsTheDenseProductForAnyFrameCount) {
  const std::size_t filters = 23, bins = 129, stride = 131;  // strides wider than a row too
  const Matrix dense = test_filters(filters, bins);
  const SparseFilterbank bank(dense);
  std::mt19937 random(3);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (std::size_t frames : {1u, 7u, 8u, 9u, 16u, 17u}) {
    std::vector<float> in(frames * stride);
    for (float& v : in) v = uniform(random);
    std::vector<float> out(frames * filters, -1.0f);
    bank.apply(in.data(), frames, stride, out.data(), filters);
    for (std::size_t f = 0; f < frames; ++f) {
      for (std::size_t b = 0; b < filters; ++b) {
        double expected = 0.0;
        for (std::size_t k = 0; k < bins; ++k) expected += dense(b, k) * in[f * stride + k];
        EXPECT_NEAR(out[f * filters + b], expected, 1e-5 * (1.0 + expected))
            << frames << " frames, frame " << f << ", filter " << b;
      }
    }
  }
}

TEST(SparseFilterbank, KeepsTheDenseFiltersAndTheirOccupiedBins) {
  const Matrix dense = test_filters(23, 129);
  const SparseFilterbank bank(dense);
  EXPECT_EQ(bank.filter_count(), 23u);
  EXPECT_EQ(bank.bin_count(), 129u);
  EXPECT_EQ(bank.dense().values, dense.values);
  EXPECT_EQ(bank.occupied_first(), 0u);
  EXPECT_LE(bank.occupied_end(), 129u);
}

TEST(SparseFilterbank, AllZeroFiltersGiveZerosAndNoOccupiedBins) {
  const SparseFilterbank bank(Matrix(4, 10));
  std::vector<float> in(10, 1.0f), out(4, -1.0f);
  bank.apply(in.data(), 1, 10, out.data(), 4);
  EXPECT_EQ(out, std::vector<float>(4, 0.0f));
  EXPECT_EQ(bank.occupied_first(), bank.occupied_end());
}

}  // namespace
}  // namespace earshot::dsp
