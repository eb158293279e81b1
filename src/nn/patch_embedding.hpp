// The patch embedding of a vision-style transformer over a spectrogram: a one-channel Conv2d
// with a square kernel and its own strides, computed as im2col + one GEMM. The input is a
// [time, freq] matrix seen as an image of shape [freq, time] (the AST convention: transposed),
// and the tokens come out frequency-major: token f * time_patches + t.
//
//   auto patches = nn::PatchEmbedding::load(tensors, "embeddings.patch_embeddings.projection",
//                                           768, 16);
//   patches->forward(input, 1024, 128, 10, 10, tokens_out, scratch, threads);
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "nn/safetensors.hpp"

namespace earshot::nn {

class PatchEmbedding {
 public:
  // "<prefix>.weight" of shape [hidden, 1, patch, patch] and "<prefix>.bias" [hidden].
  static core::Result<PatchEmbedding> load(const SafeTensors& tensors, const std::string& prefix,
                                           std::size_t hidden, std::size_t patch);

  // Patches along one axis of `length` with this stride: (length - patch) / stride + 1, or 0.
  std::size_t patch_count(std::size_t length, std::size_t stride) const;

  // input: time x freq; out: (freq patches x time patches) rows of hidden values. `columns` is
  // scratch (resized as needed).
  void forward(std::span<const float> input, std::size_t time, std::size_t freq,
               std::size_t freq_stride, std::size_t time_stride, std::span<float> out,
               std::vector<float>& columns, unsigned threads = 1) const;

 private:
  std::vector<float> weight_;  // hidden x (patch * patch), kernel row (freq) major
  std::vector<float> bias_;
  std::size_t hidden_ = 0;
  std::size_t patch_ = 0;
};

}  // namespace earshot::nn
