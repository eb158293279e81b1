// A fully connected layer, y = W x + b, with W stored as PyTorch stores it (out x in, row-major),
// computed by OpenBLAS (cblas_sgemv for one input). No allocation per call.
//
//   auto layer = nn::Linear::load(tensors, "layers.0");   // "layers.0.weight", "layers.0.bias"
//   layer->forward(x, y);                                 // x: in values, y: out values
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "nn/safetensors.hpp"

namespace earshot::nn {

class Linear {
 public:
  // Errors: the tensors' (missing, wrong dtype), or a bias whose length is not the weight's rows.
  static core::Result<Linear> load(const SafeTensors& tensors, const std::string& prefix);

  std::size_t inputs() const { return inputs_; }
  std::size_t outputs() const { return outputs_; }
  // x.size() == inputs(), y.size() == outputs(); x and y must not overlap.
  void forward(std::span<const float> x, std::span<float> y) const;

 private:
  std::size_t inputs_ = 0;
  std::size_t outputs_ = 0;
  std::vector<float> weight_;  // outputs x inputs
  std::vector<float> bias_;
};

// max(0, x) in place.
void relu(std::span<float> values);

// Softmax in place (numerically stable).
void softmax(std::span<float> values);

}  // namespace earshot::nn
