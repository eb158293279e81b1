// The JSON side files of a feature model, as the registry's entries name them
// (scaler_path, label_encoder_path, dropped_features_path):
//   scaler:           {"feature_names": [...], "mean": [...], "scale": [...]}
//                     StandardScaler semantics: (x - mean) / scale, in feature_names' order
//   label encoder:    {"classes": [...]}: class index -> label
//   dropped features: ["name", ...]: removed from earshot-features-v1 before scaling
// Each loader checks the shape of what it reads and names the file and the field that is wrong.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace earshot::models {

struct StandardScaler {
  std::vector<std::string> feature_names;
  std::vector<double> mean;
  std::vector<double> scale;
};

core::Result<StandardScaler> load_scaler(const std::filesystem::path& path);
core::Result<std::vector<std::string>> load_label_encoder(const std::filesystem::path& path);
core::Result<std::vector<std::string>> load_dropped_features(const std::filesystem::path& path);

}  // namespace earshot::models
