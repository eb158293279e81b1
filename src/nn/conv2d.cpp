#include "nn/conv2d.hpp"

#include <cblas.h>

#include <algorithm>

namespace earshot::nn {

core::Result<Conv2d> Conv2d::load(const SafeTensors& tensors, const std::string& prefix) {
  auto weight = tensors.tensor(prefix + ".weight");
  if (!weight) return weight.error();
  const auto& shape = weight->shape;
  if (shape.size() != 4 || shape[2] != shape[3] || shape[2] % 2 == 0 || shape[0] == 0 ||
      shape[1] == 0) {
    return core::Error{core::ErrorCode::invalid_input,
                       prefix + ".weight must be [out, in, k, k] with an odd k"};
  }
  auto bias = tensors.tensor(prefix + ".bias", std::vector<std::size_t>{shape[0]});
  if (!bias) return bias.error();
  Conv2d conv;
  conv.out_channels_ = shape[0];
  conv.in_channels_ = shape[1];
  conv.kernel_ = shape[2];
  conv.weight_ = std::move(weight->values);
  conv.bias_ = std::move(bias->values);
  return conv;
}

void Conv2d::forward(std::span<const float> input, std::size_t height, std::size_t width,
                     std::span<float> out, std::vector<float>& columns) const {
  const std::size_t area = height * width;
  const std::size_t taps = kernel_ * kernel_;
  const auto pad = static_cast<std::ptrdiff_t>(kernel_ / 2);
  columns.resize(in_channels_ * taps * area);
  // im2col: row (c, ky, kx) holds, for every output position (y, x), the input at
  // (y + ky - pad, x + kx - pad) of channel c, or 0 outside the image.
  for (std::size_t c = 0; c < in_channels_; ++c) {
    const float* channel = input.data() + c * area;
    for (std::size_t tap = 0; tap < taps; ++tap) {
      const std::ptrdiff_t dy = static_cast<std::ptrdiff_t>(tap / kernel_) - pad;
      const std::ptrdiff_t dx = static_cast<std::ptrdiff_t>(tap % kernel_) - pad;
      // The output columns whose source x lies inside the image.
      const auto x_begin = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, -dx));
      const auto x_end = static_cast<std::size_t>(std::min<std::ptrdiff_t>(
          static_cast<std::ptrdiff_t>(width), static_cast<std::ptrdiff_t>(width) - dx));
      float* row = columns.data() + (c * taps + tap) * area;
      for (std::size_t y = 0; y < height; ++y) {
        float* dst = row + y * width;
        const std::ptrdiff_t source_y = static_cast<std::ptrdiff_t>(y) + dy;
        if (source_y < 0 || source_y >= static_cast<std::ptrdiff_t>(height)) {
          std::fill(dst, dst + width, 0.0f);
          continue;
        }
        const float* src = channel + static_cast<std::size_t>(source_y) * width;
        std::fill(dst, dst + x_begin, 0.0f);
        std::copy(src + static_cast<std::ptrdiff_t>(x_begin) + dx,
                  src + static_cast<std::ptrdiff_t>(x_end) + dx, dst + x_begin);
        std::fill(dst + x_end, dst + width, 0.0f);
      }
    }
  }
  for (std::size_t o = 0; o < out_channels_; ++o) {
    std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(o * area), area, bias_[o]);
  }
  const auto k = static_cast<int>(in_channels_ * taps);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(out_channels_),
              static_cast<int>(area), k, 1.0f, weight_.data(), k, columns.data(),
              static_cast<int>(area), 1.0f, out.data(), static_cast<int>(area));
}

void max_pool_2x2(std::span<const float> input, std::size_t channels, std::size_t height,
                  std::size_t width, std::span<float> out) {
  const std::size_t out_height = height / 2;
  const std::size_t out_width = width / 2;
  for (std::size_t c = 0; c < channels; ++c) {
    const float* channel = input.data() + c * height * width;
    float* pooled = out.data() + c * out_height * out_width;
    for (std::size_t y = 0; y < out_height; ++y) {
      const float* top = channel + 2 * y * width;
      const float* bottom = top + width;
      for (std::size_t x = 0; x < out_width; ++x) {
        pooled[y * out_width + x] = std::max(std::max(top[2 * x], top[2 * x + 1]),
                                             std::max(bottom[2 * x], bottom[2 * x + 1]));
      }
    }
  }
}

}  // namespace earshot::nn
