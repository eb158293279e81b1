#include "models/prediction.hpp"

#include <algorithm>
#include <stdexcept>

namespace earshot::models {

Prediction make_prediction(const std::vector<std::string>& labels,
                           const std::vector<double>& probabilities) {
  if (labels.empty() || labels.size() != probabilities.size()) {
    throw std::logic_error("make_prediction: one probability per label");
  }
  Prediction prediction;
  const auto best = std::max_element(probabilities.begin(), probabilities.end());
  prediction.label = labels[static_cast<std::size_t>(best - probabilities.begin())];
  prediction.probability = *best;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    prediction.probabilities.emplace_back(labels[i], probabilities[i]);
  }
  return prediction;
}

}  // namespace earshot::models
