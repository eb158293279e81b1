#include "nn/patch_embedding.hpp"

#include <cblas.h>

#include <algorithm>

#include "nn/parallel.hpp"

namespace earshot::nn {

core::Result<PatchEmbedding> PatchEmbedding::load(const SafeTensors& tensors,
                                                  const std::string& prefix, std::size_t hidden,
                                                  std::size_t patch) {
  auto weight =
      tensors.tensor(prefix + ".weight", std::vector<std::size_t>{hidden, 1, patch, patch});
  if (!weight) return weight.error();
  auto bias = tensors.tensor(prefix + ".bias", std::vector<std::size_t>{hidden});
  if (!bias) return bias.error();
  PatchEmbedding embedding;
  embedding.weight_ = std::move(weight->values);
  embedding.bias_ = std::move(bias->values);
  embedding.hidden_ = hidden;
  embedding.patch_ = patch;
  return embedding;
}

std::size_t PatchEmbedding::patch_count(std::size_t length, std::size_t stride) const {
  return length < patch_ ? 0 : (length - patch_) / stride + 1;
}

void PatchEmbedding::forward(std::span<const float> input, std::size_t time, std::size_t freq,
                             std::size_t freq_stride, std::size_t time_stride, std::span<float> out,
                             std::vector<float>& columns, unsigned threads) const {
  const std::size_t freq_patches = patch_count(freq, freq_stride);
  const std::size_t time_patches = patch_count(time, time_stride);
  const std::size_t tokens = freq_patches * time_patches;
  const std::size_t area = patch_ * patch_;
  columns.resize(tokens * area);
  for_each_block(tokens, threads, [&](std::size_t begin, std::size_t end) {
    // im2col: the patch of token (f, t) as one row, kernel element (i over freq, j over time)
    // at i * patch + j, as Conv2d's weight [hidden, 1, i, j] is laid out.
    for (std::size_t token = begin; token < end; ++token) {
      const std::size_t f = token / time_patches;
      const std::size_t t = token % time_patches;
      float* row = columns.data() + token * area;
      for (std::size_t i = 0; i < patch_; ++i) {
        for (std::size_t j = 0; j < patch_; ++j) {
          row[i * patch_ + j] = input[(t * time_stride + j) * freq + f * freq_stride + i];
        }
      }
    }
    float* y = out.data() + begin * hidden_;
    for (std::size_t token = begin; token < end; ++token) {
      std::copy(bias_.begin(), bias_.end(),
                out.begin() + static_cast<std::ptrdiff_t>(token * hidden_));
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(end - begin),
                static_cast<int>(hidden_), static_cast<int>(area), 1.0f,
                columns.data() + begin * area, static_cast<int>(area), weight_.data(),
                static_cast<int>(area), 1.0f, y, static_cast<int>(hidden_));
  });
}

}  // namespace earshot::nn
