// A model over named audio features: earshot-features-v1 of the audio
// (dsp/descriptors/feature_vector.hpp, at the model's rate), minus the dropped features, put in the
// scaler's order and scaled, then a ProbabilityPredictor, whose class indices the label encoder
// names. This is the old service's anomaly-detection pipeline (features -> drop -> StandardScaler
// -> XGBoost -> LabelEncoder), and what `earshot train` writes.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "dsp/descriptors/feature_vector.hpp"
#include "models/artifacts.hpp"
#include "models/model.hpp"
#include "models/probability_predictor.hpp"

namespace earshot::models {

class FeatureModel final : public Model {
 public:
  // Checks that the parts fit: every scaler name is a feature of earshot-features-v1 and not
  // dropped, every dropped name exists, the predictor takes as many features as the scaler
  // gives and has as many classes as there are labels. Without a scaler the input is every
  // feature not dropped, in earshot-features-v1 order, unscaled. Errors name the part.
  static core::Result<std::unique_ptr<FeatureModel>> create(
      ModelInfo info, std::unique_ptr<ProbabilityPredictor> predictor,
      std::optional<StandardScaler> scaler, const std::vector<std::string>& dropped);

  core::Result<Prediction> predict(std::span<const float> mono) const override;

  // The predictor's input for the full feature vector `features` (dsp::feature_names() order).
  std::vector<float> model_input(std::span<const float> features) const;

 private:
  FeatureModel(ModelInfo info, dsp::FeatureExtractor extractor,
               std::unique_ptr<ProbabilityPredictor> predictor);

  dsp::FeatureExtractor extractor_;
  std::unique_ptr<ProbabilityPredictor> predictor_;
  std::vector<std::size_t> columns_;  // index into the feature vector of each model input
  std::vector<double> mean_;          // per model input (0 without a scaler)
  std::vector<double> scale_;         // per model input (1 without a scaler)
};

}  // namespace earshot::models
