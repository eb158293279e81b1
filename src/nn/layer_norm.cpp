#include "nn/layer_norm.hpp"

#include <cmath>

namespace earshot::nn {

core::Result<LayerNorm> LayerNorm::load(const SafeTensors& tensors, const std::string& prefix,
                                        std::size_t size, double eps) {
  auto weight = tensors.tensor(prefix + ".weight", std::vector<std::size_t>{size});
  if (!weight) return weight.error();
  auto bias = tensors.tensor(prefix + ".bias", std::vector<std::size_t>{size});
  if (!bias) return bias.error();
  LayerNorm norm;
  norm.weight_ = std::move(weight->values);
  norm.bias_ = std::move(bias->values);
  norm.eps_ = eps;
  return norm;
}

void LayerNorm::forward_rows(std::span<const float> x, std::size_t rows, std::span<float> y) const {
  const std::size_t n = weight_.size();
  for (std::size_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * n;
    float* out = y.data() + r * n;
    // Accumulate in double: hidden sizes of 768 and more, and eps as small as 1e-12, leave
    // float sums visibly off PyTorch's.
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += in[i];
    const double mean = sum / static_cast<double>(n);
    double square = 0.0;
    for (std::size_t i = 0; i < n; ++i) square += (in[i] - mean) * (in[i] - mean);
    const double inverse = 1.0 / std::sqrt(square / static_cast<double>(n) + eps_);
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = static_cast<float>((in[i] - mean) * inverse) * weight_[i] + bias_[i];
    }
  }
}

}  // namespace earshot::nn
