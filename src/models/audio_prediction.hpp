// Audio in, prediction out, for any model of the registry: decodes the bytes or the file to
// mono at the model's rate, keeps the first info().max_seconds, and asks the model. What the
// service's /predict-anomaly and `earshot predict` run.
//
//   auto prediction = models::predict_bytes(registry.default_model(), upload, limits);
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "audio/decoder.hpp"
#include "core/result.hpp"
#include "models/model.hpp"

namespace earshot::models {

// Errors: those of decoding (unsupported_format, decode_failed, too_large, invalid_input) and
// of the model.
core::Result<Prediction> predict_bytes(const Model& model, std::span<const std::uint8_t> bytes,
                                       const audio::DecodeLimits& limits);
core::Result<Prediction> predict_file(const Model& model, const std::filesystem::path& path,
                                      const audio::DecodeLimits& limits);

}  // namespace earshot::models
