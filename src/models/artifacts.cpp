#include "models/artifacts.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace earshot::models {
namespace {

using core::Error;
using core::ErrorCode;
using nlohmann::json;

Error invalid(const std::filesystem::path& path, const std::string& what) {
  return Error{ErrorCode::invalid_input, path.string() + ": " + what};
}

core::Result<json> read_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::not_found, path.string() + ": cannot open"};
  std::stringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return invalid(path, "not valid JSON");
  return parsed;
}

core::Result<std::vector<std::string>> string_list(const json& value,
                                                   const std::filesystem::path& path,
                                                   const std::string& field) {
  if (!value.is_array()) return invalid(path, field + " must be a list of strings");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& item : value) {
    if (!item.is_string()) return invalid(path, field + " must be a list of strings");
    if (!seen.insert(item.get<std::string>()).second) {
      return invalid(path, field + " lists '" + item.get<std::string>() + "' twice");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

core::Result<std::vector<double>> number_list(const json& document, const std::string& field,
                                              const std::filesystem::path& path) {
  if (!document.contains(field) || !document[field].is_array()) {
    return invalid(path, field + " must be a list of numbers");
  }
  std::vector<double> out;
  for (const auto& item : document[field]) {
    if (!item.is_number() || !std::isfinite(item.get<double>())) {
      return invalid(path, field + " must be a list of finite numbers");
    }
    out.push_back(item.get<double>());
  }
  return out;
}

}  // namespace

core::Result<StandardScaler> load_scaler(const std::filesystem::path& path) {
  auto document = read_json(path);
  if (!document) return document.error();
  if (!document->is_object() || !document->contains("feature_names")) {
    return invalid(path, "feature_names is missing");
  }
  auto names = string_list((*document)["feature_names"], path, "feature_names");
  if (!names) return names.error();
  auto mean = number_list(*document, "mean", path);
  if (!mean) return mean.error();
  auto scale = number_list(*document, "scale", path);
  if (!scale) return scale.error();
  if (mean->size() != names->size() || scale->size() != names->size()) {
    return invalid(path, "feature_names, mean and scale must have the same length (" +
                             std::to_string(names->size()) + ", " + std::to_string(mean->size()) +
                             ", " + std::to_string(scale->size()) + ")");
  }
  for (const double s : *scale) {
    if (s == 0.0) return invalid(path, "scale holds a 0 (division by zero)");
  }
  return StandardScaler{std::move(*names), std::move(*mean), std::move(*scale)};
}

core::Result<std::vector<std::string>> load_label_encoder(const std::filesystem::path& path) {
  auto document = read_json(path);
  if (!document) return document.error();
  if (!document->is_object() || !document->contains("classes")) {
    return invalid(path, "classes is missing");
  }
  auto classes = string_list((*document)["classes"], path, "classes");
  if (!classes) return classes.error();
  if (classes->size() < 2) return invalid(path, "classes must name at least 2 labels");
  return classes;
}

core::Result<std::vector<std::string>> load_dropped_features(const std::filesystem::path& path) {
  auto document = read_json(path);
  if (!document) return document.error();
  return string_list(*document, path, "the file");
}

}  // namespace earshot::models
