// linear_proba: multinomial (or binary) logistic regression from JSON weights.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "models/probability_predictor.hpp"

namespace earshot::models {
namespace {

using core::Error;
using core::ErrorCode;

class LinearPredictor final : public ProbabilityPredictor {
 public:
  LinearPredictor(std::vector<std::vector<double>> weights, std::vector<double> intercepts)
      : weights_(std::move(weights)), intercepts_(std::move(intercepts)) {}

  std::size_t feature_count() const override { return weights_.front().size(); }
  std::size_t class_count() const override { return weights_.size() == 1 ? 2 : weights_.size(); }

  core::Result<std::vector<double>> predict_proba(std::span<const float> row) const override {
    if (row.size() != feature_count()) {
      return Error{ErrorCode::invalid_input, "linear model takes " +
                                                 std::to_string(feature_count()) +
                                                 " features, not " + std::to_string(row.size())};
    }
    std::vector<double> scores(weights_.size());
    for (std::size_t c = 0; c < weights_.size(); ++c) {
      double z = intercepts_[c];
      for (std::size_t i = 0; i < row.size(); ++i) z += weights_[c][i] * row[i];
      scores[c] = z;
    }
    if (scores.size() == 1) {  // binary: scikit-learn keeps the positive class's row only
      const double p = 1.0 / (1.0 + std::exp(-scores[0]));
      return std::vector<double>{1.0 - p, p};
    }
    const double top = *std::max_element(scores.begin(), scores.end());
    double sum = 0.0;
    for (double& s : scores) sum += (s = std::exp(s - top));
    for (double& s : scores) s /= sum;
    return scores;
  }

 private:
  std::vector<std::vector<double>> weights_;  // class x feature
  std::vector<double> intercepts_;
};

Error invalid(const std::filesystem::path& path, const std::string& what) {
  return Error{ErrorCode::invalid_input, path.string() + ": " + what};
}

bool finite_numbers(const nlohmann::json& list) {
  return list.is_array() && std::all_of(list.begin(), list.end(), [](const auto& v) {
           return v.is_number() && std::isfinite(v.template get<double>());
         });
}

}  // namespace

core::Result<std::unique_ptr<ProbabilityPredictor>> load_linear_predictor(
    const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::not_found, path.string() + ": cannot open"};
  std::stringstream text;
  text << in.rdbuf();
  const auto document = nlohmann::json::parse(text.str(), nullptr, false);
  if (document.is_discarded() || !document.is_object()) return invalid(path, "not a JSON object");
  const auto coefficients = document.value("coefficients", nlohmann::json());
  const auto intercepts = document.value("intercepts", nlohmann::json());
  if (!coefficients.is_array() || coefficients.empty()) {
    return invalid(path, "coefficients must be a non-empty list of rows, one per class");
  }
  std::vector<std::vector<double>> weights;
  for (const auto& row : coefficients) {
    if (!finite_numbers(row) || row.empty() || row.size() != coefficients.front().size()) {
      return invalid(path, "coefficients must be rows of finite numbers of one length");
    }
    weights.push_back(row.get<std::vector<double>>());
  }
  if (!finite_numbers(intercepts) || intercepts.size() != weights.size()) {
    return invalid(path, "intercepts must hold one finite number per row of coefficients");
  }
  return std::unique_ptr<ProbabilityPredictor>(
      new LinearPredictor(std::move(weights), intercepts.get<std::vector<double>>()));
}

}  // namespace earshot::models
