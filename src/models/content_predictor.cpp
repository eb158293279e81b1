#include "models/content_predictor.hpp"

#include "analysis/content_classifier.hpp"
#include "dsp/content/content_log_mel.hpp"

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

class ContentStream final : public PredictionStream {
 public:
  explicit ContentStream(const ContentPredictor& model)
      : model_(model),
        classifier_(analysis::ContentScorer::shipped(), model.silence_threshold_dbfs()) {}

  core::Status add(std::span<const float> mono) override {
    classifier_.add(mono);
    samples_ += mono.size();
    return {};
  }

  core::Result<Prediction> finish() override {
    if (samples_ == 0) return core::Error{core::ErrorCode::invalid_input, "no samples to classify"};
    const auto summary =
        classifier_.finish(static_cast<double>(samples_) / dsp::ContentLogMel::kSampleRate);
    Prediction prediction;
    // The file's class follows the timeline rule (most non-silent time), not the largest mean
    // probability, so that it agrees with `classification` of an analysis.
    prediction.label = std::string(analysis::to_string(summary.classification));
    prediction.probability =
        summary.probabilities[static_cast<std::size_t>(summary.classification)];
    const auto& labels = model_.info().labels;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      prediction.probabilities.emplace_back(labels[i], summary.probabilities[i]);
    }
    return prediction;
  }

 private:
  const ContentPredictor& model_;
  analysis::ContentClassifier classifier_;
  std::size_t samples_ = 0;
};

}  // namespace

ContentPredictor::ContentPredictor(ModelInfo info, double silence_threshold_dbfs)
    : Model(completed(std::move(info))), silence_threshold_dbfs_(silence_threshold_dbfs) {}

core::Result<Prediction> ContentPredictor::predict(std::span<const float> mono) const {
  ContentStream stream(*this);
  if (auto added = stream.add(mono); !added) return added.error();
  return stream.finish();
}

std::unique_ptr<PredictionStream> ContentPredictor::stream() const {
  return std::make_unique<ContentStream>(*this);
}

}  // namespace earshot::models
