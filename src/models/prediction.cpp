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

std::vector<LabelScore> top_scores(const std::vector<std::string>& labels,
                                   const std::vector<double>& scores, std::size_t count) {
  if (labels.size() != scores.size()) {
    throw std::logic_error("top_scores: one score per label");
  }
  std::vector<std::size_t> order(scores.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  count = std::min(count, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
                    });
  std::vector<LabelScore> top;
  top.reserve(count);
  for (std::size_t i = 0; i < count; ++i) top.push_back({labels[order[i]], scores[order[i]]});
  return top;
}

}  // namespace earshot::models
