// Writing features for `earshot features`: a matrix (frames x bins) or a named vector, as JSON
// or as a NumPy .npy array, to a file or to stdout.
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/matrix.hpp"

namespace earshot::cli {

enum class FeatureFormat { json, npy };

// What was computed, said once in the JSON output so that a reader knows the axes.
struct FeatureHeader {
  std::string file;
  std::string type;  // mel, mfcc, fbank, ast-input, vector
  int sample_rate = 0;
  int hop_length = 0;  // samples between frames; 0 for the vector
};

// JSON: {"file", "type", "sample_rate", "hop_length", "shape": [frames, bins], "data": [[...]]}.
// npy: a float32 array of shape (frames, bins).
core::Status write_matrix(std::ostream& out, FeatureFormat format, const FeatureHeader& header,
                          const dsp::Matrix& matrix);

// JSON: {"file", "type", "version", "sample_rate", "features": {name: value, ...}} in order.
// npy: a float32 vector in the names' order (the names are in docs/features.md).
core::Status write_vector(std::ostream& out, FeatureFormat format, const FeatureHeader& header,
                          const std::string& version,
                          const std::vector<std::pair<std::string, float>>& features);

}  // namespace earshot::cli
