// Audio in, prediction out, for any model of the registry: decodes the bytes or the file block
// by block to mono at the model's rate and streams it into the model (Model::stream), stopping
// after the first info().max_seconds. What the service's /predict-anomaly, its jobs with a
// model_name and `earshot predict` run.
//
//   auto prediction = models::predict_bytes(registry.default_model(), upload, limits);
//
// Memory is bounded by a constant, not by the file's length: one decoded frame, one block of
// mono, and what the model's stream holds (models/model.hpp): a window for the content and
// AST models; for a feature model the samples it reads, at most max_seconds of them and, when
// it has no max_seconds, at most kMaxHeldSeconds (a longer file is too_large). Decoding stops
// once max_seconds have been read: the rest of the file is never decoded, so neither its
// length nor a fault in it past that point matters. The prediction is the one the model gives
// for the first max_seconds of the whole decoded file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "audio/decoder.hpp"
#include "core/result.hpp"
#include "models/model.hpp"

namespace earshot::models {

// Errors: those of decoding (unsupported_format, decode_failed, too_large, invalid_input), of
// the model's stream (too_large past kMaxHeldSeconds) and of the model.
core::Result<Prediction> predict_bytes(const Model& model, std::span<const std::uint8_t> bytes,
                                       const audio::DecodeLimits& limits);
core::Result<Prediction> predict_file(const Model& model, const std::filesystem::path& path,
                                      const audio::DecodeLimits& limits);

}  // namespace earshot::models
