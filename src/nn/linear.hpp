// A fully connected layer, y = W x + b, with W stored as PyTorch stores it (out x in, row-major),
// computed by OpenBLAS: cblas_sgemv for one input, cblas_sgemm for a block of rows (the tokens
// of a transformer). No allocation per call. Softmax and GELU are vectorised approximations
// (softmax within 1e-6 relative plus the rounding of x - max, GELU within 1e-6 absolute of the
// exact functions: tests/nn/layers_test.cpp), as PyTorch's own vectorised kernels are.
//
//   auto layer = nn::Linear::load(tensors, "layers.0");   // "layers.0.weight", "layers.0.bias"
//   layer->forward(x, y);                                 // x: in values, y: out values
//   layer->forward_rows(x, rows, y);                      // x: rows x in, y: rows x out
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
  // One layer computing every layer's outputs, in order, side by side; all must have the same
  // inputs() (or this throws std::invalid_argument: a bug in the caller).
  static Linear stack(std::span<const Linear> layers);

  std::size_t inputs() const { return inputs_; }
  std::size_t outputs() const { return outputs_; }
  // x.size() == inputs(), y.size() == outputs(); x and y must not overlap.
  void forward(std::span<const float> x, std::span<float> y) const;
  // Every row of x (rows x inputs(), row-major) into y (rows x outputs()); no overlap. The rows
  // are shared among `threads` threads.
  void forward_rows(std::span<const float> x, std::size_t rows, std::span<float> y,
                    unsigned threads = 1) const;

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

// GELU, exact form x * (1 + erf(x / sqrt 2)) / 2 (PyTorch's default, not the tanh
// approximation), in place.
void gelu(std::span<float> values);

}  // namespace earshot::nn
