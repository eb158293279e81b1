#include "models/content_predictor.hpp"

#include "analysis/content_classifier.hpp"
#include "dsp/content_log_mel.hpp"

namespace earshot::models {
namespace {

ModelInfo completed(ModelInfo info) {
  info.feature_extractor = std::string(dsp::ContentLogMel::kName);
  info.sample_rate = dsp::ContentLogMel::kSampleRate;
  info.labels.clear();
  for (std::size_t i = 0; i < analysis::kContentClassCount; ++i) {
    info.labels.emplace_back(analysis::to_string(static_cast<analysis::ContentClass>(i)));
  }
  return info;
}

}  // namespace

ContentPredictor::ContentPredictor(ModelInfo info, double silence_threshold_dbfs)
    : Model(completed(std::move(info))), silence_threshold_dbfs_(silence_threshold_dbfs) {}

core::Result<Prediction> ContentPredictor::predict(std::span<const float> mono) const {
  if (mono.empty()) return core::Error{core::ErrorCode::invalid_input, "no samples to classify"};
  analysis::ContentClassifier classifier(analysis::ContentScorer::shipped(),
                                         silence_threshold_dbfs_);
  classifier.add(mono);
  const auto summary =
      classifier.finish(static_cast<double>(mono.size()) / dsp::ContentLogMel::kSampleRate);
  Prediction prediction;
  // The file's class follows the timeline rule (most non-silent time), not the largest mean
  // probability, so that it agrees with `classification` of an analysis.
  prediction.label = std::string(analysis::to_string(summary.classification));
  prediction.probability = summary.probabilities[static_cast<std::size_t>(summary.classification)];
  for (std::size_t i = 0; i < info().labels.size(); ++i) {
    prediction.probabilities.emplace_back(info().labels[i], summary.probabilities[i]);
  }
  return prediction;
}

}  // namespace earshot::models
