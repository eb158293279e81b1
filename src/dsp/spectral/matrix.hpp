// A dense row-major float matrix: the shape of every frame-wise feature (rows are frames,
// columns are bins or coefficients) and of filterbanks (rows are filters).
#pragma once

#include <cassert>
#include <cstddef>
#include <span>
#include <vector>

namespace earshot::dsp {

struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> values;  // rows * cols, row after row

  Matrix() = default;
  Matrix(std::size_t row_count, std::size_t col_count, float fill = 0.0f)
      : rows(row_count), cols(col_count), values(row_count * col_count, fill) {}

  std::span<float> row(std::size_t r) {
    assert(r < rows);
    return {values.data() + r * cols, cols};
  }
  std::span<const float> row(std::size_t r) const {
    assert(r < rows);
    return {values.data() + r * cols, cols};
  }
  float& operator()(std::size_t r, std::size_t c) { return values[r * cols + c]; }
  float operator()(std::size_t r, std::size_t c) const { return values[r * cols + c]; }
};

}  // namespace earshot::dsp
