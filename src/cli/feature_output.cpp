#include "cli/feature_output.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/npy.hpp"

namespace earshot::cli {
namespace {

nlohmann::ordered_json header_json(const FeatureHeader& header) {
  nlohmann::ordered_json json = {
      {"file", header.file}, {"type", header.type}, {"sample_rate", header.sample_rate}};
  if (header.hop_length > 0) json["hop_length"] = header.hop_length;
  return json;
}

// JSON has no infinities or NaN: they are written as null.
nlohmann::ordered_json number(float value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

core::Status finish(std::ostream& out) {
  out.flush();
  if (!out) return core::Error{core::ErrorCode::io, "writing the output failed"};
  return {};
}

}  // namespace

core::Status write_matrix(std::ostream& out, FeatureFormat format, const FeatureHeader& header,
                          const dsp::Matrix& matrix) {
  if (format == FeatureFormat::npy)
    return core::write_npy(out, matrix.values, {matrix.rows, matrix.cols});
  nlohmann::ordered_json json = header_json(header);
  json["shape"] = {matrix.rows, matrix.cols};
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (std::size_t r = 0; r < matrix.rows; ++r) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (float v : matrix.row(r)) row.push_back(number(v));
    rows.push_back(std::move(row));
  }
  json["data"] = std::move(rows);
  out << json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  return finish(out);
}

core::Status write_vector(std::ostream& out, FeatureFormat format, const FeatureHeader& header,
                          const std::string& version,
                          const std::vector<std::pair<std::string, float>>& features) {
  if (format == FeatureFormat::npy) {
    std::vector<float> values;
    values.reserve(features.size());
    for (const auto& [name, value] : features) values.push_back(value);
    return core::write_npy(out, values, {values.size()});
  }
  nlohmann::ordered_json json = header_json(header);
  json["version"] = version;
  nlohmann::ordered_json named = nlohmann::ordered_json::object();
  for (const auto& [name, value] : features) named[name] = number(value);
  json["features"] = std::move(named);
  out << json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  return finish(out);
}

}  // namespace earshot::cli
