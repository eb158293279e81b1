#include "nn/linear.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace earshot::nn {

core::Result<Linear> Linear::load(const SafeTensors& tensors, const std::string& prefix) {
  auto weight = tensors.tensor(prefix + ".weight");
  if (!weight) return weight.error();
  if (weight->shape.size() != 2) {
    return core::Error{core::ErrorCode::invalid_input,
                       "safetensors: tensor " + prefix + ".weight is not a matrix"};
  }
  auto bias = tensors.tensor(prefix + ".bias", std::vector<std::size_t>{weight->shape[0]});
  if (!bias) return bias.error();
  Linear layer;
  layer.outputs_ = weight->shape[0];
  layer.inputs_ = weight->shape[1];
  layer.weight_ = std::move(weight->values);
  layer.bias_ = std::move(bias->values);
  return layer;
}

void Linear::forward(std::span<const float> x, std::span<float> y) const {
  std::copy(bias_.begin(), bias_.end(), y.begin());
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(outputs_), static_cast<int>(inputs_),
              1.0f, weight_.data(), static_cast<int>(inputs_), x.data(), 1, 1.0f, y.data(), 1);
}

void relu(std::span<float> values) {
  for (float& v : values) v = std::max(v, 0.0f);
}

void softmax(std::span<float> values) {
  if (values.empty()) return;
  const float top = *std::max_element(values.begin(), values.end());
  float sum = 0.0f;
  for (float& v : values) {
    v = std::exp(v - top);
    sum += v;
  }
  for (float& v : values) v /= sum;
}

}  // namespace earshot::nn
