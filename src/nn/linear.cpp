#include "nn/linear.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "core/simd_math.hpp"
#include "nn/parallel.hpp"

namespace earshot::nn {
namespace {

using simd::Floats;
using simd::Ints;
using simd::kWidth;

// Applies f to every value, eight at a time; the tail goes through a padded copy.
template <class F>
[[gnu::always_inline]] inline void transform(float* v, std::size_t n, F f) {
  std::size_t i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    Floats x;
    std::memcpy(&x, v + i, sizeof x);
    f(x);
    std::memcpy(v + i, &x, sizeof x);
  }
  if (i < n) {
    Floats x{};
    std::memcpy(&x, v + i, (n - i) * sizeof(float));
    f(x);
    std::memcpy(v + i, &x, (n - i) * sizeof(float));
  }
}

}  // namespace

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

Linear Linear::stack(std::span<const Linear> layers) {
  Linear stacked;
  stacked.inputs_ = layers.empty() ? 0 : layers.front().inputs_;
  for (const Linear& layer : layers) {
    if (layer.inputs_ != stacked.inputs_) {
      throw std::invalid_argument("Linear::stack: layers with different input sizes");
    }
    stacked.outputs_ += layer.outputs_;
  }
  stacked.weight_.reserve(stacked.outputs_ * stacked.inputs_);
  stacked.bias_.reserve(stacked.outputs_);
  for (const Linear& layer : layers) {
    stacked.weight_.insert(stacked.weight_.end(), layer.weight_.begin(), layer.weight_.end());
    stacked.bias_.insert(stacked.bias_.end(), layer.bias_.begin(), layer.bias_.end());
  }
  return stacked;
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

// Branch-free and eight at a time: a plain loop of std::max is not vectorised at -O2, and its
// branch mispredicts on every other value of a feature map (150 us for the first map of the
// content CNN against a few here).
[[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]] void relu(
    std::span<float> values) {
  transform(values.data(), values.size(), [](Floats& x) {
    const Ints negative = x < Floats{};  // false for NaN, which stays NaN as with std::max
    x = (Floats)(~negative & (Ints)x);
  });
}

// Vectorised for AVX-512 and AVX2 + FMA where the processor has them (chosen at load time).
[[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]] void softmax(
    std::span<float> values) {
  if (values.empty()) return;
  float* v = values.data();
  const std::size_t n = values.size();
  // Maximum and sum over sixteen lanes, so that both vectorise without the compiler having to
  // reorder float arithmetic.
  constexpr std::size_t kLanes = 16;
  float lanes[kLanes];
  std::fill(std::begin(lanes), std::end(lanes), v[0]);
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) lanes[j] = std::max(lanes[j], v[i + j]);
  }
  for (std::size_t j = 0; i < n; ++i, ++j) lanes[j] = std::max(lanes[j], v[i]);
  const float top = *std::max_element(std::begin(lanes), std::end(lanes));
  const Floats shift = (Floats{} + top);
  transform(v, n, [&](Floats& x) {
    x -= shift;
    simd::exp_approx(x);
  });
  std::fill(std::begin(lanes), std::end(lanes), 0.0f);
  for (i = 0; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) lanes[j] += v[i + j];
  }
  for (std::size_t j = 0; i < n; ++i, ++j) lanes[j] += v[i];
  float sum = 0.0f;
  for (float lane : lanes) sum += lane;
  const float inverse = 1.0f / sum;
  for (i = 0; i < n; ++i) v[i] *= inverse;
}

[[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]] void gelu(
    std::span<float> values) {
  constexpr float kInverseSqrt2 = 0.70710678118654752f;
  float* v = values.data();
  const std::size_t n = values.size();
  transform(v, n, [](Floats& x) {
    Floats e = x * kInverseSqrt2;
    simd::erf_approx(e);
    x = 0.5f * x * (1.0f + e);
  });
}

}  // namespace earshot::nn
