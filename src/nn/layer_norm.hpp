// Layer normalisation over the last dimension, as torch.nn.LayerNorm computes it:
// y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance, per row.
//
//   auto norm = nn::LayerNorm::load(tensors, "encoder.layer.0.layernorm_before", 768, 1e-12);
//   norm->forward_rows(x, tokens, y);   // x may equal y (in place)
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "nn/safetensors.hpp"

namespace earshot::nn {

class LayerNorm {
 public:
  // "<prefix>.weight" and "<prefix>.bias", each of `size` values. Errors name the tensor.
  static core::Result<LayerNorm> load(const SafeTensors& tensors, const std::string& prefix,
                                      std::size_t size, double eps);

  std::size_t size() const { return weight_.size(); }
  // x and y: rows x size(); they may be the same span.
  void forward_rows(std::span<const float> x, std::size_t rows, std::span<float> y) const;

 private:
  std::vector<float> weight_;
  std::vector<float> bias_;
  double eps_ = 1e-5;
};

}  // namespace earshot::nn
