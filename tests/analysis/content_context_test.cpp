// The context layer of the content model (analysis/content_context.hpp) on hand-made tensors.
#include "analysis/content_context.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/tensor_file.hpp"

namespace earshot::analysis {
namespace {

// Embeddings of 1 value, one window on each side, one channel that sums the middle window's
// value and its right neighbour's presence flag; class logits (h, 0, -h); background logit h.
test::TensorFile tiny_context() {
  test::TensorFile file;
  file.set_metadata("context", "1");
  file.set_metadata("background", "music");
  // context.weight: 1 channel x 2 inputs (value, flag) x 3 taps (left, middle, right).
  file.add("context.weight", {1, 2, 3}, {0, 1, 0, /* flag: */ 0, 0, 1});
  file.add("context.bias", {1}, {0});
  file.add("class.weight", {3, 1, 1}, {1, 0, -1});
  file.add("class.bias", {3}, {0, 0, 0});
  file.add("background.weight", {1, 1, 1}, {1});
  file.add("background.bias", {1}, {0});
  return file;
}

std::array<float, 3> softmax(float a, float b, float c) {
  const float m = std::max({a, b, c});
  const float ea = std::exp(a - m), eb = std::exp(b - m), ec = std::exp(c - m);
  const float sum = ea + eb + ec;
  return {ea / sum, eb / sum, ec / sum};
}

TEST(ContentContext, ComputesTheDocumentedLayer) {
  const auto tensors = tiny_context().load();
  auto context = ContentContext::load(tensors, 1);
  ASSERT_TRUE(context.ok()) << context.error().message;
  ASSERT_TRUE(context->has_value());
  EXPECT_EQ((*context)->windows_each_side(), 1u);
  // Windows: 2.0, silent, 0.5, 3.0. Hidden h = relu(value + right neighbour sounds).
  const auto out = (*context)->apply({{2.0f}, {}, {0.5f}, {3.0f}});
  ASSERT_EQ(out.size(), 4u);
  const std::vector<float> hidden = {2.0f, 1.0f, 1.5f, 3.0f};  // the last has no right neighbour
  for (std::size_t t : {0u, 2u, 3u}) {
    const auto expected = softmax(hidden[t], 0.0f, -hidden[t]);
    for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(out[t].probabilities[c], expected[c], 1e-6);
    EXPECT_NEAR(out[t].music_under_speech, 1.0f / (1.0f + std::exp(-hidden[t])), 1e-6);
  }
}

TEST(ContentContext, AFileWithoutOneHasNone) {
  test::TensorFile file;
  file.add("dense.0.weight", {3, 1}, {1, 2, 3});
  const auto tensors = file.load();
  auto context = ContentContext::load(tensors, 1);
  ASSERT_TRUE(context.ok());
  EXPECT_FALSE(context->has_value());
}

TEST(ContentContext, RefusesInconsistentTensors) {
  const auto tensors = tiny_context().load();
  // The embedding the CNN gives must match the layer's inputs.
  auto wrong_embedding = ContentContext::load(tensors, 4);
  ASSERT_FALSE(wrong_embedding.ok());
  EXPECT_NE(wrong_embedding.error().message.find("context.weight"), std::string::npos);

  auto wrong_background = tiny_context();
  wrong_background.set_metadata("background", "speech");
  EXPECT_FALSE(ContentContext::load(wrong_background.load(), 1).ok());

  test::TensorFile no_head;
  no_head.set_metadata("context", "1");
  no_head.set_metadata("background", "music");
  no_head.add("context.weight", {1, 2, 3}, {0, 1, 0, 0, 0, 1});
  auto headless = ContentContext::load(no_head.load(), 1);
  ASSERT_FALSE(headless.ok());
  EXPECT_NE(headless.error().message.find("context.bias"), std::string::npos);
}

TEST(ContentContext, AWrongEmbeddingSizeIsABug) {
  const auto tensors = tiny_context().load();
  auto context = ContentContext::load(tensors, 1);
  ASSERT_TRUE(context.ok() && context->has_value());
  EXPECT_THROW((*context)->apply({{1.0f, 2.0f}}), std::invalid_argument);
}

}  // namespace
}  // namespace earshot::analysis
