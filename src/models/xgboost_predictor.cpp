// xgboost_proba: an XGBoost model file through the C API (models/xgboost_booster.hpp).
#include "models/probability_predictor.hpp"
#include "models/xgboost_booster.hpp"

namespace earshot::models {
namespace {

class XgboostPredictor final : public ProbabilityPredictor {
 public:
  explicit XgboostPredictor(XgboostBooster booster) : booster_(std::move(booster)) {}

  std::size_t feature_count() const override { return booster_.feature_count(); }
  std::size_t class_count() const override { return booster_.class_count(); }

  core::Result<std::vector<double>> predict_proba(std::span<const float> row) const override {
    auto probabilities = booster_.predict_proba(row, 1);
    if (!probabilities) return probabilities.error();
    return std::vector<double>(probabilities->begin(), probabilities->end());
  }

 private:
  XgboostBooster booster_;
};

}  // namespace

core::Result<std::unique_ptr<ProbabilityPredictor>> load_xgboost_predictor(
    const std::filesystem::path& path) {
  auto booster = XgboostBooster::load_file(path);
  if (!booster) return booster.error();
  return std::unique_ptr<ProbabilityPredictor>(new XgboostPredictor(std::move(*booster)));
}

}  // namespace earshot::models
