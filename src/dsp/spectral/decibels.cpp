// librosa.power_to_db (librosa/core/spectrum.py) over float arrays.
#include "dsp/spectral/decibels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

namespace earshot::dsp {
namespace {

constexpr float kDbPerNeper = static_cast<float>(10.0 / std::numbers::ln10);

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

}  // namespace

core::Status validate(const PowerToDbOptions& options) {
  if (!std::isfinite(options.amin) || options.amin <= 0.0) {
    return invalid("power_to_db amin must be a positive number");
  }
  if (options.reference == DbReference::value && !std::isfinite(options.ref_value)) {
    return invalid("power_to_db ref must be a finite number");
  }
  if (options.top_db && (!std::isfinite(*options.top_db) || *options.top_db < 0.0)) {
    return invalid("power_to_db top_db must be a non-negative number (or none)");
  }
  return {};
}

core::Status power_to_db_in_place(std::span<float> values, const PowerToDbOptions& options) {
  if (auto ok = validate(options); !ok) return ok;
  if (values.empty()) return {};
  double ref = std::fabs(options.ref_value);
  if (options.reference == DbReference::max) ref = *std::max_element(values.begin(), values.end());
  // 10 log10(x) as (10 / ln 10) ln(x) in float: glibc's logf is several times cheaper than
  // log10f, and the error (a few 1e-6 dB) is far below what float power carries. The reference
  // goes through the same expression, so the maximum reads exactly 0 dB re itself.
  const auto amin = static_cast<float>(options.amin);
  const auto to_db = [](float x) { return kDbPerNeper * std::log(x); };
  const float ref_db = to_db(std::max(amin, static_cast<float>(ref)));
  float peak = -std::numeric_limits<float>::infinity();
  for (float& v : values) {
    v = to_db(std::max(amin, v)) - ref_db;
    peak = std::max(peak, v);
  }
  if (options.top_db) {
    const auto floor = static_cast<float>(peak - *options.top_db);
#pragma omp simd
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::max(values[i], floor);
  }
  return {};
}

core::Result<Matrix> power_to_db(const Matrix& power, const PowerToDbOptions& options) {
  Matrix db = power;
  if (auto ok = power_to_db_in_place(db.values, options); !ok) return ok.error();
  return db;
}

}  // namespace earshot::dsp
