// The content CNN's format and arithmetic: a network small enough to compute by hand (a 1x1
// convolution, the mean and maximum over time, one dense layer), the checks load() makes, and
// properties of the shipped network (its input is gain-free, its probabilities sum to 1).
#include "analysis/content_cnn.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "support/tensor_file.hpp"

namespace earshot::analysis {
namespace {

using test::TensorFile;
constexpr std::size_t kFrames = ContentCnn::kFrames, kBands = ContentCnn::kBands;

void describe(TensorFile& file, int convolutions, int dense) {
  file.set_metadata("format", "earshot-content-cnn");
  file.set_metadata("input", "content-log-mel-v1");
  file.set_metadata("labels", "speech,music,noise");
  file.set_metadata("convolutions", std::to_string(convolutions));
  file.set_metadata("dense", std::to_string(dense));
  file.set_metadata("version", "test");
}

// Levels at -60 dB with a loud stretch in band 0 (frames 0-9 at -20 dB) and one loud frame in
// band 5 (frame 50 at 0 dB).
std::vector<float> test_levels() {
  std::vector<float> levels(kFrames * kBands, -60.0f);
  for (std::size_t t = 0; t < 10; ++t) levels[t * kBands + 0] = -20.0f;
  levels[50 * kBands + 5] = 0.0f;
  return levels;
}

TEST(ContentCnn, ComputesTheDocumentedNetwork) {
  // conv.0: 1x1, weight 1, bias 0, so the map is relu((L - mean L) / 20). dense.0 reads the mean
  // over time of band 0 (input 0), the maximum over time of band 5 (input 64 + 5), and a bias.
  TensorFile file;
  describe(file, 1, 1);
  file.add("conv.0.weight", {1, 1, 1, 1}, {1.0f});
  file.add("conv.0.bias", {1}, {0.0f});
  std::vector<float> weight(3 * 2 * kBands, 0.0f);
  weight[0] = 1.0f;
  weight[2 * kBands + kBands + 5] = 1.0f;
  file.add("dense.0.weight", {3, 2 * kBands}, weight);
  file.add("dense.0.bias", {3}, {0.0f, 0.0f, 0.5f});
  auto model = ContentCnn::load(file.load());
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_EQ(model->version(), "test");

  const auto levels = test_levels();
  const double mean = std::accumulate(levels.begin(), levels.end(), 0.0) / levels.size();
  const auto input = [&](std::size_t t, std::size_t b) {
    return std::max(0.0, (levels[t * kBands + b] - mean) / 20.0);
  };
  double band0_mean = 0.0, band5_max = 0.0;
  for (std::size_t t = 0; t < kFrames; ++t) {
    band0_mean += input(t, 0) / kFrames;
    band5_max = std::max(band5_max, input(t, 5));
  }
  const double logits[3] = {band0_mean, band5_max, 0.5};
  const double total = std::exp(logits[0]) + std::exp(logits[1]) + std::exp(logits[2]);
  const auto p = model->predict(levels);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(p[i], std::exp(logits[i]) / total, 1e-5) << i;
  EXPECT_EQ(model->multiply_adds(), kFrames * kBands + 3 * 2 * kBands);
}

TEST(ContentCnn, PoolingHalvesTheMapBetweenConvolutions) {
  // Two convolutions (1 -> 2 -> 2 channels) with one pooling between: 32 bands reach the head,
  // so the dense layer takes [mean | max] x 2 channels x 32 bands = 128 inputs.
  const auto network = [](std::size_t dense_inputs) {
    TensorFile file;
    describe(file, 2, 1);
    file.add("conv.0.weight", {2, 1, 3, 3}, std::vector<float>(18, 0.1f));
    file.add("conv.0.bias", {2}, {0.0f, 0.1f});
    file.add("conv.1.weight", {2, 2, 3, 3}, std::vector<float>(36, -0.1f));
    file.add("conv.1.bias", {2}, {0.2f, 0.0f});
    file.add("dense.0.weight", {3, dense_inputs}, std::vector<float>(3 * dense_inputs, 0.01f));
    file.add("dense.0.bias", {3}, {0.0f, 0.0f, 0.0f});
    return ContentCnn::load(file.load());
  };
  ASSERT_TRUE(network(128).ok()) << network(128).error().message;
  const auto wrong = network(256);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("dense.0 takes 256 inputs"), std::string::npos)
      << wrong.error().message;
  const auto p = network(128)->predict(test_levels());
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0f, 1e-6);
}

TEST(ContentCnn, RefusesFilesThatAreNotItsFormat) {
  const auto load_with = [](const std::string& key, const std::string& value) {
    TensorFile file;
    describe(file, 1, 1);
    file.set_metadata(key, value);
    file.add("conv.0.weight", {4, 1, 3, 3}, std::vector<float>(36));
    file.add("conv.0.bias", {4}, std::vector<float>(4));
    file.add("dense.0.weight", {3, 2 * 4 * kBands}, std::vector<float>(3 * 2 * 4 * kBands));
    file.add("dense.0.bias", {3}, std::vector<float>(3));
    return ContentCnn::load(file.load());
  };
  EXPECT_TRUE(load_with("version", "v").ok());
  EXPECT_FALSE(load_with("format", "earshot-content-mlp").ok());
  EXPECT_FALSE(load_with("input", "content-features-v1").ok());
  EXPECT_FALSE(load_with("labels", "music,speech,noise").ok());
  EXPECT_FALSE(load_with("convolutions", "2").ok());  // conv.1 is missing
  EXPECT_FALSE(load_with("convolutions", "0").ok());
  EXPECT_FALSE(load_with("dense", "x").ok());

  TensorFile two_outputs;
  describe(two_outputs, 1, 1);
  two_outputs.add("conv.0.weight", {1, 1, 1, 1}, {1.0f});
  two_outputs.add("conv.0.bias", {1}, {0.0f});
  two_outputs.add("dense.0.weight", {2, 2 * kBands}, std::vector<float>(4 * kBands));
  two_outputs.add("dense.0.bias", {2}, {0.0f, 0.0f});
  EXPECT_FALSE(ContentCnn::load(two_outputs.load()).ok());
}

TEST(ContentCnn, TheShippedNetworkIgnoresGainAndGivesProbabilities) {
  const auto& model = ContentCnn::shipped();
  EXPECT_EQ(model.version(), "content-cnn-v2");
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> level(-70.0f, -20.0f);
  std::vector<float> levels(kFrames * kBands);
  for (auto& l : levels) l = level(rng);
  auto louder = levels;
  for (auto& l : louder) l += 12.0f;
  const auto a = model.predict(levels);
  const auto b = model.predict(louder);
  EXPECT_NEAR(a[0] + a[1] + a[2], 1.0f, 1e-5);
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(a[i], 0.0f);
    EXPECT_NEAR(a[i], b[i], 1e-4) << i;
  }
  EXPECT_THROW(model.predict(std::vector<float>(100)), std::invalid_argument);
}

}  // namespace
}  // namespace earshot::analysis
