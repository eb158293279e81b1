// Conv2d and 2x2 max pooling against naive loops written out here, on odd sizes so that the
// padding and the dropped last row and column are exercised.
#include "nn/conv2d.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "support/tensor_file.hpp"

namespace earshot::nn {
namespace {

using test::TensorFile;

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

// The definition: out[o][y][x] = bias[o] + sum over c, i, j of
// weight[o][c][i][j] * input[c][y + i - k/2][x + j - k/2], zero outside the image.
std::vector<float> naive_conv(const std::vector<float>& input, const std::vector<float>& weight,
                              const std::vector<float>& bias, int in, int out, int k, int height,
                              int width) {
  std::vector<float> result(static_cast<std::size_t>(out * height * width));
  for (int o = 0; o < out; ++o) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        double sum = bias[o];
        for (int c = 0; c < in; ++c) {
          for (int i = 0; i < k; ++i) {
            for (int j = 0; j < k; ++j) {
              const int sy = y + i - k / 2, sx = x + j - k / 2;
              if (sy < 0 || sy >= height || sx < 0 || sx >= width) continue;
              sum += static_cast<double>(weight[((o * in + c) * k + i) * k + j]) *
                     input[(c * height + sy) * width + sx];
            }
          }
        }
        result[(o * height + y) * width + x] = static_cast<float>(sum);
      }
    }
  }
  return result;
}

TEST(Conv2d, MatchesTheDefinitionWithSamePadding) {
  for (const int k : {1, 3, 5}) {
    const int in = 3, out = 5, height = 7, width = 6;
    const auto weight = random_values(static_cast<std::size_t>(out * in * k * k), 1);
    const auto bias = random_values(out, 2);
    const auto input = random_values(static_cast<std::size_t>(in * height * width), 3);
    TensorFile file;
    file.add("conv.weight", {5, 3, std::size_t(k), std::size_t(k)}, weight);
    file.add("conv.bias", {5}, bias);
    auto conv = Conv2d::load(file.load(), "conv");
    ASSERT_TRUE(conv.ok()) << conv.error().message;
    EXPECT_EQ(conv->in_channels(), 3u);
    EXPECT_EQ(conv->out_channels(), 5u);
    EXPECT_EQ(conv->kernel(), static_cast<std::size_t>(k));
    std::vector<float> result(static_cast<std::size_t>(out * height * width), -1.0f);
    std::vector<float> columns;
    conv->forward(input, height, width, result, columns);
    const auto expected = naive_conv(input, weight, bias, in, out, k, height, width);
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_NEAR(result[i], expected[i], 1e-4) << "kernel " << k << " at " << i;
    }
  }
}

TEST(Conv2d, RefusesWeightsThatAreNotAnOddSquareKernel) {
  TensorFile file;
  file.add("even.weight", {2, 1, 2, 2}, std::vector<float>(8));
  file.add("even.bias", {2}, {0, 0});
  file.add("flat.weight", {2, 9}, std::vector<float>(18));
  file.add("flat.bias", {2}, {0, 0});
  file.add("bias.weight", {2, 1, 3, 3}, std::vector<float>(18));
  file.add("bias.bias", {3}, {0, 0, 0});
  const auto tensors = file.load();
  EXPECT_FALSE(Conv2d::load(tensors, "even").ok());
  EXPECT_FALSE(Conv2d::load(tensors, "flat").ok());
  EXPECT_FALSE(Conv2d::load(tensors, "bias").ok());
  EXPECT_FALSE(Conv2d::load(tensors, "missing").ok());
}

TEST(MaxPool, TakesTheLargestOfEachTwoByTwoBlockAndDropsAnOddEdge) {
  const std::size_t channels = 2, height = 5, width = 7;
  const auto input = random_values(channels * height * width, 4);
  std::vector<float> pooled(channels * 2 * 3);
  max_pool_2x2(input, channels, height, width, pooled);
  for (std::size_t c = 0; c < channels; ++c) {
    for (std::size_t y = 0; y < 2; ++y) {
      for (std::size_t x = 0; x < 3; ++x) {
        const auto at = [&](std::size_t dy, std::size_t dx) {
          return input[(c * height + 2 * y + dy) * width + 2 * x + dx];
        };
        EXPECT_EQ(pooled[(c * 2 + y) * 3 + x], std::max({at(0, 0), at(0, 1), at(1, 0), at(1, 1)}));
      }
    }
  }
}

}  // namespace
}  // namespace earshot::nn
