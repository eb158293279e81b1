// Golden outputs from tools/reference/generate.py (torchaudio and numpy versions of librosa's
// formulas), listed in tests/data/reference/manifest.json. Each case names its input signal,
// the feature, its parameters (librosa/torchaudio option names) and the expected array.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/npy.hpp"

namespace earshot::test {

struct ReferenceCase {
  std::string name;
  std::string feature;
  int sample_rate = 0;
  nlohmann::json params;
  std::vector<float> input;  // the signal the golden was computed from (empty if none)
  core::NpyArray expected;
};

// Every case of `feature` in the manifest; fails the calling test (ADD_FAILURE) and returns
// none if the manifest or a file cannot be read.
std::vector<ReferenceCase> load_reference_cases(std::string_view feature);

// Largest |a - b| / max(|b|, floor) over two equally long arrays.
double max_relative_error(std::span<const float> actual, std::span<const float> expected,
                          double floor);
// Largest |a - b|.
double max_absolute_error(std::span<const float> actual, std::span<const float> expected);

}  // namespace earshot::test
