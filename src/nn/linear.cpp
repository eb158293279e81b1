#include "nn/linear.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "nn/parallel.hpp"

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

void Linear::forward_rows(std::span<const float> x, std::size_t rows, std::span<float> y,
                          unsigned threads) const {
  for_each_block(rows, threads, [&](std::size_t begin, std::size_t end) {
    float* out = y.data() + begin * outputs_;
    for (std::size_t r = begin; r < end; ++r) {
      std::copy(bias_.begin(), bias_.end(), y.begin() + static_cast<std::ptrdiff_t>(r * outputs_));
    }
    // y (rows x out) = x (rows x in) * W^T (in x out) + y
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(end - begin),
                static_cast<int>(outputs_), static_cast<int>(inputs_), 1.0f,
                x.data() + begin * inputs_, static_cast<int>(inputs_), weight_.data(),
                static_cast<int>(inputs_), 1.0f, out, static_cast<int>(outputs_));
  });
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

void gelu(std::span<float> values) {
  constexpr float kInverseSqrt2 = 0.70710678118654752f;
  for (float& v : values) v = 0.5f * v * (1.0f + std::erf(v * kInverseSqrt2));
}

}  // namespace earshot::nn
