// NumPy's .npy format (version 1.0) for float32 arrays in C order: what `earshot features
// --format npy` writes and what the reference tests read. numpy.load opens the files as they
// are; other dtypes and Fortran order are refused on reading.
//
//   core::write_npy(out, values, {frames, bins});
//   auto array = core::read_npy("mel.npy");   // array->shape, array->values
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace earshot::core {

struct NpyArray {
  std::vector<std::size_t> shape;  // () for a scalar, (n,) for a vector, (rows, cols), ...
  std::vector<float> values;       // product of shape, C order
};

// Writes a little-endian float32 array. `values.size()` must equal the product of `shape`.
Status write_npy(std::ostream& out, std::span<const float> values,
                 const std::vector<std::size_t>& shape);

// Reads a '<f4' C-order array. Errors: not_found, io, invalid_input (not .npy or another
// dtype or order).
Result<NpyArray> read_npy(const std::filesystem::path& path);

}  // namespace earshot::core
