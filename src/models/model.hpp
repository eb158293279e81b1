// The interface every model of the registry implements, and what it tells about itself.
// A model reads mono audio at its own rate (at most `max_seconds` of it, from the start) and
// answers a Prediction; the caller decodes once (models/audio_prediction.hpp) and never needs
// to know which kind of model it holds. Adding a kind means one class here and one line in the
// registry's factory (registry.cpp).
//
//   const Model& model = registry.at("pump_v1");
//   auto prediction = model.predict(mono);   // mono at model.info().sample_rate
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "models/prediction.hpp"

namespace earshot::models {

struct ModelInfo {
  std::string name;
  std::string predictor;          // "xgboost_proba", "linear_proba", "content"
  std::string feature_extractor;  // "earshot-features-v1", or "content-log-mel-v1" (content)
  std::vector<std::string> labels;
  std::string description;
  int sample_rate = 16000;            // of the audio predict() reads
  std::optional<double> max_seconds;  // only the first seconds are read; none: all
};

class Model {
 public:
  explicit Model(ModelInfo info) : info_(std::move(info)) {}
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const { return info_; }

  // `mono`: the audio at info().sample_rate, already cut to max_seconds. Errors: invalid_input
  // (e.g. no samples). Thread-safe.
  virtual core::Result<Prediction> predict(std::span<const float> mono) const = 0;

 private:
  ModelInfo info_;
};

}  // namespace earshot::models
