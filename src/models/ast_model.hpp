// The Audio Spectrogram Transformer (AST) of a Hugging Face checkpoint folder (config.json and
// model.safetensors), computed as transformers' ASTForAudioClassification does:
//   input      [max_length, num_mel_bins] normalised Kaldi fbank (dsp/kaldi/ast_frontend.hpp)
//   patches    Conv2d over the input seen as [freq, time], kernel patch_size, strides
//              (frequency_stride, time_stride); tokens frequency-major
//   embeddings [CLS, distillation, patches...] + position_embeddings
//   encoder    num_hidden_layers pre-norm layers: h += Wo Attention(LN_before(h));
//              h += W2 GELU(W1 LN_after(h))
//   head       final layer norm; pooled = (token 0 + token 1) / 2; classifier layer norm, dense
// Every size comes from config.json, so smaller or larger variants load too; a missing or
// mis-shaped tensor is an error naming it.
//
//   auto ast = models::AstModel::load("checkpoints/ast-audioset");
//   models::AstModel::Workspace work;
//   std::vector<float> logits(ast->config().labels.size());
//   ast->forward(input, logits, work, threads);    // input: max_length x num_mel_bins
//
// Immutable once loaded: many threads may run it at once, each with its own Workspace.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "nn/attention.hpp"
#include "nn/layer_norm.hpp"
#include "nn/linear.hpp"
#include "nn/patch_embedding.hpp"

namespace earshot::models {

struct AstConfig {
  std::size_t hidden_size = 768;
  std::size_t num_hidden_layers = 12;
  std::size_t num_attention_heads = 12;
  std::size_t intermediate_size = 3072;
  std::size_t patch_size = 16;
  std::size_t frequency_stride = 10;
  std::size_t time_stride = 10;
  std::size_t max_length = 1024;
  std::size_t num_mel_bins = 128;
  double layer_norm_eps = 1e-12;
  std::vector<std::string> labels;  // id2label, by index

  // Errors (invalid_input) name the key that is missing or out of range.
  static core::Result<AstConfig> parse(std::string_view json_text);
  std::size_t frequency_patches() const;
  std::size_t time_patches() const;
  std::size_t tokens() const { return frequency_patches() * time_patches() + 2; }
};

class AstModel {
 public:
  // Scratch memory sized on first use and kept: once warm, forward() allocates nothing and
  // creates no thread (the layers share nn::WorkerPool::shared()).
  struct Workspace {
    std::vector<float> hidden, normed, attended, intermediate, columns;
    std::vector<float> first;   // the two first tokens after the final layer norm
    std::vector<float> pooled;  // their mean, then its classifier layer norm
    nn::SelfAttention::Workspace attention;
  };

  static core::Result<AstModel> load(const std::filesystem::path& folder);
  static core::Result<AstModel> load(const AstConfig& config, const nn::SafeTensors& tensors);

  const AstConfig& config() const { return config_; }

  // input: max_length x num_mel_bins values; logits: one per label; pooled (optional, may be
  // empty): the hidden_size values the classifier reads.
  void forward(std::span<const float> input, std::span<float> logits, Workspace& work,
               unsigned threads = 1, std::span<float> pooled = {}) const;

 private:
  struct Layer {
    nn::LayerNorm before, after;
    nn::SelfAttention attention;
    nn::Linear intermediate, output;
  };

  AstConfig config_;
  nn::PatchEmbedding patches_;
  std::vector<float> cls_, distillation_, positions_;
  std::vector<Layer> layers_;
  nn::LayerNorm final_norm_, head_norm_;
  nn::Linear head_;
};

}  // namespace earshot::models
