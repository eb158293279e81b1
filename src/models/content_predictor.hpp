// The registry's "content" predictor: earshot's built-in speech / music / noise / silence model
// (analysis/content_classifier.hpp) over the whole audio, with no artifacts to load. The
// prediction is the file's content class with the class probabilities, as `earshot analyze`
// reports them. It streams: 1 s windows are classified as they arrive, so a stream holds one
// window and a few bytes per second of input, as an analysis does.
#pragma once

#include <memory>

#include "models/model.hpp"

namespace earshot::models {

class ContentPredictor final : public Model {
 public:
  // `info` gets its labels, rate (16 kHz) and extractor filled in.
  ContentPredictor(ModelInfo info, double silence_threshold_dbfs);

  core::Result<Prediction> predict(std::span<const float> mono) const override;
  std::unique_ptr<PredictionStream> stream() const override;

  double silence_threshold_dbfs() const { return silence_threshold_dbfs_; }

 private:
  double silence_threshold_dbfs_;
};

}  // namespace earshot::models
