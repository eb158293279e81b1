#include "models/feature_model.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace earshot::models {
namespace {

core::Error invalid(const std::string& what) {
  return core::Error{core::ErrorCode::invalid_input, what};
}

}  // namespace

FeatureModel::FeatureModel(ModelInfo info, dsp::FeatureExtractor extractor,
                           std::unique_ptr<ProbabilityPredictor> predictor)
    : Model(std::move(info)), extractor_(std::move(extractor)), predictor_(std::move(predictor)) {}

core::Result<std::unique_ptr<FeatureModel>> FeatureModel::create(
    ModelInfo info, std::unique_ptr<ProbabilityPredictor> predictor,
    std::optional<StandardScaler> scaler, const std::vector<std::string>& dropped) {
  const auto names = dsp::feature_names();
  std::map<std::string, std::size_t, std::less<>> index;
  for (std::size_t i = 0; i < names.size(); ++i) index[names[i]] = i;
  const std::set<std::string> dropped_set(dropped.begin(), dropped.end());
  for (const auto& name : dropped) {
    if (!index.contains(name)) {
      return invalid("dropped_features_path: '" + name + "' is not a feature of " +
                     std::string(dsp::kFeatureSetName));
    }
  }
  auto extractor = dsp::FeatureExtractor::create(info.sample_rate);
  if (!extractor) return invalid("sample_rate: " + extractor.error().message);
  std::unique_ptr<FeatureModel> model(
      new FeatureModel(std::move(info), std::move(*extractor), std::move(predictor)));
  if (scaler) {
    for (std::size_t i = 0; i < scaler->feature_names.size(); ++i) {
      const auto& name = scaler->feature_names[i];
      const auto found = index.find(name);
      if (found == index.end()) {
        return invalid("scaler_path: '" + name + "' is not a feature of " +
                       std::string(dsp::kFeatureSetName));
      }
      if (dropped_set.contains(name)) {
        return invalid("scaler_path: '" + name + "' is also in dropped_features_path");
      }
      model->columns_.push_back(found->second);
    }
    model->mean_ = scaler->mean;
    model->scale_ = scaler->scale;
  } else {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!dropped_set.contains(names[i])) model->columns_.push_back(i);
    }
    model->mean_.assign(model->columns_.size(), 0.0);
    model->scale_.assign(model->columns_.size(), 1.0);
  }
  const auto& p = *model->predictor_;
  if (p.feature_count() != model->columns_.size()) {
    return invalid("model_path: the model takes " + std::to_string(p.feature_count()) +
                   " features, the scaler and dropped_features give " +
                   std::to_string(model->columns_.size()));
  }
  if (p.class_count() != model->info().labels.size()) {
    return invalid("label_encoder_path: " + std::to_string(model->info().labels.size()) +
                   " labels for a model of " + std::to_string(p.class_count()) + " classes");
  }
  return model;
}

std::vector<float> FeatureModel::model_input(std::span<const float> features) const {
  std::vector<float> row(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    row[i] = static_cast<float>((features[columns_[i]] - mean_[i]) / scale_[i]);
  }
  return row;
}

core::Result<Prediction> FeatureModel::predict(std::span<const float> mono) const {
  auto features = extractor_.compute(mono, info().sample_rate);
  if (!features) return features.error();
  auto probabilities = predictor_->predict_proba(model_input(*features));
  if (!probabilities) return probabilities.error();
  return make_prediction(info().labels, *probabilities);
}

}  // namespace earshot::models
