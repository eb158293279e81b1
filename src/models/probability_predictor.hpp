// The learned part of a feature model: a row of scaled features in, one probability per class
// out. Two kinds, as a registry entry's "predictor" names them:
//   xgboost_proba  an XGBoost model file (JSON or UBJSON), through the XGBoost C API
//   linear_proba   multinomial logistic regression, JSON:
//                  {"coefficients": [[w per feature] per class], "intercepts": [b per class]}
//                  (scikit-learn's coef_ and intercept_; one row for a binary model, whose
//                  probabilities are [1 - p, p] with p = sigmoid(w.x + b); several rows: softmax)
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace earshot::models {

class ProbabilityPredictor {
 public:
  virtual ~ProbabilityPredictor() = default;
  virtual std::size_t feature_count() const = 0;
  virtual std::size_t class_count() const = 0;
  // `row`: feature_count() values. Thread-safe.
  virtual core::Result<std::vector<double>> predict_proba(std::span<const float> row) const = 0;
};

// Errors: not_found, invalid_input naming the file and what is wrong with it.
core::Result<std::unique_ptr<ProbabilityPredictor>> load_xgboost_predictor(
    const std::filesystem::path& path);
core::Result<std::unique_ptr<ProbabilityPredictor>> load_linear_predictor(
    const std::filesystem::path& path);

}  // namespace earshot::models
