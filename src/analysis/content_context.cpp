#include "analysis/content_context.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/linear.hpp"

namespace earshot::analysis {
namespace {

core::Error invalid(const std::string& message) {
  return core::Error{core::ErrorCode::invalid_input, "content context: " + message};
}

}  // namespace

core::Result<std::optional<ContentContext>> ContentContext::load(const nn::SafeTensors& tensors,
                                                                 std::size_t embedding_size) {
  const auto& metadata = tensors.metadata();
  const auto radius_text = metadata.find("context");
  if (radius_text == metadata.end()) return std::optional<ContentContext>{};
  const auto background = metadata.find("background");
  if (background == metadata.end() || background->second != "music") {
    return invalid("metadata 'background' must be music");
  }
  const std::string& text = radius_text->second;
  if (text.size() != 1 || !std::isdigit(static_cast<unsigned char>(text[0])) || text == "0") {
    return invalid("metadata 'context' must be 1 to 9 windows");
  }
  auto weight = tensors.tensor("context.weight");
  if (!weight) return weight.error();
  ContentContext context;
  context.radius_ = static_cast<std::size_t>(text[0] - '0');
  context.embedding_size_ = embedding_size;
  const std::size_t kernel = 2 * context.radius_ + 1;
  if (weight->shape.size() != 3 || weight->shape[1] != embedding_size + 1 ||
      weight->shape[2] != kernel || weight->shape[0] == 0) {
    return invalid("context.weight must be C x " + std::to_string(embedding_size + 1) + " x " +
                   std::to_string(kernel));
  }
  context.channels_ = weight->shape[0];
  const std::size_t c = context.channels_;
  auto context_bias = tensors.tensor("context.bias", std::vector<std::size_t>{c});
  auto class_weight = tensors.tensor("class.weight", std::vector<std::size_t>{3, c, 1});
  auto class_bias = tensors.tensor("class.bias", std::vector<std::size_t>{3});
  auto background_weight = tensors.tensor("background.weight", std::vector<std::size_t>{1, c, 1});
  auto background_bias = tensors.tensor("background.bias", std::vector<std::size_t>{1});
  for (const auto* part :
       {&context_bias, &class_weight, &class_bias, &background_weight, &background_bias}) {
    if (!*part) return part->error();
  }
  context.context_weight_ = std::move(weight->values);
  context.context_bias_ = std::move(context_bias->values);
  context.class_weight_ = std::move(class_weight->values);
  context.class_bias_ = std::move(class_bias->values);
  context.background_weight_ = std::move(background_weight->values);
  context.background_bias_ = background_bias->values[0];
  return std::optional<ContentContext>{std::move(context)};
}

std::vector<ContextOutput> ContentContext::apply(
    const std::vector<std::vector<float>>& embeddings) const {
  const std::size_t n = embeddings.size();
  const std::size_t inputs = embedding_size_ + 1;
  const std::size_t kernel = 2 * radius_ + 1;
  // Each window's input column: [embedding | 1], or zeros where silent.
  std::vector<float> x(n * inputs, 0.0f);
  for (std::size_t t = 0; t < n; ++t) {
    if (embeddings[t].empty()) continue;
    if (embeddings[t].size() != embedding_size_) {
      throw std::invalid_argument("content context: wrong embedding size");
    }
    std::copy(embeddings[t].begin(), embeddings[t].end(), x.begin() + t * inputs);
    x[t * inputs + embedding_size_] = 1.0f;
  }
  std::vector<ContextOutput> out(n);
  std::vector<float> hidden(channels_);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t o = 0; o < channels_; ++o) {
      float sum = context_bias_[o];
      for (std::size_t k = 0; k < kernel; ++k) {
        // Input window t + k - radius; outside the file reads as zeros.
        if (t + k < radius_ || t + k - radius_ >= n) continue;
        const float* column = x.data() + (t + k - radius_) * inputs;
        const float* w = context_weight_.data() + o * inputs * kernel + k;
        for (std::size_t i = 0; i < inputs; ++i) sum += w[i * kernel] * column[i];
      }
      hidden[o] = std::max(sum, 0.0f);
    }
    std::array<float, 3> logits{};
    for (std::size_t c = 0; c < 3; ++c) {
      logits[c] = class_bias_[c];
      for (std::size_t o = 0; o < channels_; ++o) {
        logits[c] += class_weight_[c * channels_ + o] * hidden[o];
      }
    }
    nn::softmax(logits);
    float background = background_bias_;
    for (std::size_t o = 0; o < channels_; ++o) background += background_weight_[o] * hidden[o];
    out[t] = {logits, 1.0f / (1.0f + std::exp(-background))};
  }
  return out;
}

}  // namespace earshot::analysis
