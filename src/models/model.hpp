// The interface every model of the registry implements, and what it tells about itself.
// A model reads mono audio at its own rate (at most `max_seconds` of it, from the start) and
// answers a Prediction; the caller decodes once (models/audio_prediction.hpp) and never needs
// to know which kind of model it holds. Adding a kind means one class here and one line in the
// registry's factory (registry.cpp).
//
//   const Model& model = registry.at("pump_v1");
//   auto prediction = model.predict(mono);   // mono at model.info().sample_rate
//
//   auto stream = model.stream();            // or piece by piece, as a decoder delivers it
//   while (more) if (auto added = stream->add(piece); !added) return added.error();
//   auto streamed = stream->finish();        // the same prediction as predict(all pieces)
//
// Memory of a stream: models that score the audio as it arrives (content: 1 s windows; AST:
// one window) hold a window and a few bytes per window scored, whatever the input's length.
// The others (the feature models: medians and percentiles over the whole signal cannot be
// accumulated) hold their whole input, so they take at most kMaxHeldSeconds of it and refuse
// a longer one as too_large: at 16 kHz, 38 MB of samples plus about 11 MB of frame features.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "models/prediction.hpp"

namespace earshot::models {

// The longest input a model that holds its whole input accepts through stream(), in seconds.
// Longer audio needs max_seconds (a registry entry's analysis_seconds, or ANALYSIS_SECONDS) to
// read only its start.
inline constexpr int kMaxHeldSeconds = 600;

struct ModelInfo {
  std::string name;
  std::string predictor;          // "xgboost_proba", "linear_proba", "content"
  std::string feature_extractor;  // "earshot-features-v1", or "content-log-mel-v1" (content)
  std::vector<std::string> labels;
  std::string description;
  int sample_rate = 16000;            // of the audio predict() reads
  std::optional<double> max_seconds;  // only the first seconds are read; none: all
};

// One input fed to a model in order, piece by piece. One per input, used by one thread; it
// borrows its Model, which must outlive it.
class PredictionStream {
 public:
  virtual ~PredictionStream() = default;

  // The next samples of the input: mono at the model's rate. After an error the stream is
  // done; too_large when a model that holds its input gets more than kMaxHeldSeconds.
  virtual core::Status add(std::span<const float> mono) = 0;
  // The prediction for everything added, as predict() gives it for the same samples. Errors:
  // invalid_input when nothing was added, and those of predict().
  virtual core::Result<Prediction> finish() = 0;
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

  // A stream for one input. The default holds the samples (at most kMaxHeldSeconds of them)
  // and calls predict() at finish(); models that can score audio as it arrives override it.
  // Thread-safe: each call gets its own stream.
  virtual std::unique_ptr<PredictionStream> stream() const;

 private:
  ModelInfo info_;
};

}  // namespace earshot::models
