// A 2-D convolution with "same" zero padding and stride 1 over one image of C channels, stored
// channels x height x width (row-major, PyTorch's NCHW with N = 1), computed as im2col plus one
// OpenBLAS GEMM: out (out_channels x H*W) = W (out_channels x C*k*k) * columns (C*k*k x H*W).
// The weight is laid out as PyTorch stores Conv2d's [out, in, k, k]; a batch norm that followed
// the convolution is folded into the weight and bias before export, so it costs nothing here.
//
//   auto conv = nn::Conv2d::load(tensors, "features.0");   // features.0.weight / .bias
//   conv->forward(image, height, width, out, columns);     // columns: scratch, reused
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "nn/safetensors.hpp"

namespace earshot::nn {

class Conv2d {
 public:
  // "<prefix>.weight" of shape [out, in, k, k] with k odd and "<prefix>.bias" of shape [out].
  // Errors: the tensors' (missing, wrong dtype), or shapes that do not fit together.
  static core::Result<Conv2d> load(const SafeTensors& tensors, const std::string& prefix);

  std::size_t in_channels() const { return in_channels_; }
  std::size_t out_channels() const { return out_channels_; }
  std::size_t kernel() const { return kernel_; }

  // input: in_channels() x height x width; out: out_channels() x height x width; no overlap.
  // `columns` is scratch (resized to in_channels() * k * k * height * width as needed).
  void forward(std::span<const float> input, std::size_t height, std::size_t width,
               std::span<float> out, std::vector<float>& columns) const;

 private:
  std::size_t in_channels_ = 0;
  std::size_t out_channels_ = 0;
  std::size_t kernel_ = 0;
  std::vector<float> weight_;  // out x (in * k * k)
  std::vector<float> bias_;
};

// 2x2 max pooling with stride 2 over channels x height x width, rounding down as PyTorch's
// MaxPool2d(2) does (an odd last row or column is dropped). out: channels x height/2 x width/2.
void max_pool_2x2(std::span<const float> input, std::size_t channels, std::size_t height,
                  std::size_t width, std::span<float> out);

}  // namespace earshot::nn
