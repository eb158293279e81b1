#include "dsp/spectral/sparse_filterbank.hpp"

#include <algorithm>

namespace earshot::dsp {

SparseFilterbank::SparseFilterbank(const Matrix& dense)
    : bin_count_(dense.cols), occupied_first_(dense.cols) {
  for (std::size_t b = 0; b < dense.rows; ++b) {
    const auto row = dense.row(b);
    const auto nonzero = [](float w) { return w != 0.0f; };
    const auto first =
        static_cast<std::size_t>(std::find_if(row.begin(), row.end(), nonzero) - row.begin());
    const auto last = static_cast<std::size_t>(
        std::find_if(row.rbegin(), row.rend(), nonzero).base() - row.begin());
    Filter filter{.first_bin = 0, .length = 0, .offset = weights_.size()};
    if (first < last) {
      filter.first_bin = first;
      filter.length = last - first;
      weights_.insert(weights_.end(), row.begin() + static_cast<std::ptrdiff_t>(first),
                      row.begin() + static_cast<std::ptrdiff_t>(last));
      occupied_first_ = std::min(occupied_first_, first);
      occupied_end_ = std::max(occupied_end_, last);
    }
    filters_.push_back(filter);
  }
  if (occupied_first_ >= occupied_end_) occupied_first_ = occupied_end_ = 0;
}

void SparseFilterbank::apply(const float* in, std::size_t frames, std::size_t in_stride, float* out,
                             std::size_t out_stride) const {
  // kGroup frames share each filter's bookkeeping and give kGroup independent sums, which
  // the short runs (one to a few dozen bins) otherwise leave the core waiting on. One block of
  // 64 Kaldi frames (128 filters, 257 bins): 21.6 us one frame at a time, 11.0 us in groups of
  // 8 (4: 11.6 us, 16: 13.8 us).
  constexpr std::size_t kGroup = 8;
  std::size_t f = 0;
  for (; f + kGroup <= frames; f += kGroup) {
    const float* rows = in + f * in_stride;
    float* block = out + f * out_stride;
    for (std::size_t b = 0; b < filters_.size(); ++b) {
      const Filter& filter = filters_[b];
      const float* weights = weights_.data() + filter.offset;
      const float* bins = rows + filter.first_bin;
      float sum[kGroup] = {};
      for (std::size_t k = 0; k < filter.length; ++k) {
        const float w = weights[k];
        for (std::size_t g = 0; g < kGroup; ++g) sum[g] += w * bins[g * in_stride + k];
      }
      for (std::size_t g = 0; g < kGroup; ++g) block[g * out_stride + b] = sum[g];
    }
  }
  for (; f < frames; ++f) {
    const float* row = in + f * in_stride;
    float* values = out + f * out_stride;
    for (std::size_t b = 0; b < filters_.size(); ++b) {
      const Filter& filter = filters_[b];
      const float* weights = weights_.data() + filter.offset;
      const float* bins = row + filter.first_bin;
      // In order, as each group lane sums: a frame's value must not depend on its position.
      float sum = 0.0f;
      for (std::size_t k = 0; k < filter.length; ++k) sum += weights[k] * bins[k];
      values[b] = sum;
    }
  }
}

Matrix SparseFilterbank::dense() const {
  Matrix out(filters_.size(), bin_count_);
  for (std::size_t b = 0; b < filters_.size(); ++b) {
    const Filter& filter = filters_[b];
    for (std::size_t k = 0; k < filter.length; ++k) {
      out(b, filter.first_bin + k) = weights_[filter.offset + k];
    }
  }
  return out;
}

}  // namespace earshot::dsp
