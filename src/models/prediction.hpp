// What every model of the registry answers for one audio input: the most likely label, its
// probability, and the probability of every label in the model's own label order.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace earshot::models {

struct Prediction {
  std::string label;
  double probability = 0.0;
  std::vector<std::pair<std::string, double>> probabilities;  // every label, in model order
};

// The prediction for `probabilities` (one per label, same order); the first label wins a tie.
Prediction make_prediction(const std::vector<std::string>& labels,
                           const std::vector<double>& probabilities);

}  // namespace earshot::models
