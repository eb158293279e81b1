// The context layer of the content model: from the window CNN's embeddings of consecutive 1 s
// windows to each window's speech / music / noise probabilities and the probability that music
// plays under speech, reading the windows around it. One second cannot tell a held note from a
// drone, or a drum groove from hammering; a few seconds on each side can.
//
//   context     one 1-D convolution over windows (kernel 2k + 1, zero padding k, ReLU) of each
//               window's [embedding | 1] (a silent window, and the ends of the file, read as
//               [0 | 0]);
//   class       1 x 1 convolution to 3 logits, softmax;
//   background  1 x 1 convolution to 1 logit, sigmoid.
// Tensors in the content model's file (content_cnn.hpp): "context.weight" (C x (E + 1) x
// (2k + 1)), "context.bias", "class.weight" (3 x C x 1), "class.bias", "background.weight"
// (1 x C x 1), "background.bias"; metadata "context": "k", "background": "music". A file without
// them has no context layer (load gives std::nullopt). Immutable; apply() is thread-safe.
//
//   auto context = ContentContext::load(tensors, 64);
//   auto out = (*context)->apply(embeddings);   // one per window, empty where silent
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "nn/safetensors.hpp"

namespace earshot::analysis {

struct ContextOutput {
  std::array<float, 3> probabilities{};  // speech, music, noise
  float music_under_speech = 0.0f;       // probability
};

class ContentContext {
 public:
  // The context layer of a content model file whose window embeddings have `embedding_size`
  // values; std::nullopt when the file has none. Errors (invalid_input) name what is wrong.
  static core::Result<std::optional<ContentContext>> load(const nn::SafeTensors& tensors,
                                                          std::size_t embedding_size);

  std::size_t windows_each_side() const { return radius_; }
  // embeddings: one per window in file order, each embedding_size values, or empty for a
  // silent window (whose output is meaningless). Throws std::invalid_argument on another size.
  std::vector<ContextOutput> apply(const std::vector<std::vector<float>>& embeddings) const;

 private:
  std::size_t embedding_size_ = 0;
  std::size_t channels_ = 0;
  std::size_t radius_ = 0;
  std::vector<float> context_weight_;  // channels x (embedding + 1) x (2 radius + 1)
  std::vector<float> context_bias_;
  std::vector<float> class_weight_;  // 3 x channels
  std::vector<float> class_bias_;
  std::vector<float> background_weight_;  // channels
  float background_bias_ = 0.0f;
};

}  // namespace earshot::analysis
