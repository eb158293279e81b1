// What every model of the registry answers for one audio input: the most likely label, its
// probability, and the probability of every label in the model's own label order. Models that
// score a file window by window and tag it with many labels at once (the AST over AudioSet's
// 527 classes) also give their highest-scoring labels, a score per content class (speech,
// music, noise, silence) and the same per window.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace earshot::models {

struct LabelScore {
  std::string label;
  double score = 0.0;
  bool operator==(const LabelScore&) const = default;
};

// One stretch of the file that a model scored on its own (the AST: one 10.24 s window).
struct WindowPrediction {
  double start = 0.0;  // seconds
  double end = 0.0;
  std::vector<LabelScore> top;         // highest first
  std::vector<LabelScore> categories;  // speech, music, noise, silence; empty when unmapped
};

struct Prediction {
  std::string label;
  double probability = 0.0;
  std::vector<std::pair<std::string, double>> probabilities;  // every label, in model order
  // Multi-label models only (empty otherwise):
  std::vector<LabelScore> top;         // the highest-scoring labels, highest first
  std::vector<LabelScore> categories;  // speech, music, noise, silence
  std::vector<WindowPrediction> windows;
};

// The prediction for `probabilities` (one per label, same order); the first label wins a tie.
Prediction make_prediction(const std::vector<std::string>& labels,
                           const std::vector<double>& probabilities);

// The `count` highest of `scores` (one per label, same order), highest first; ties keep label
// order.
std::vector<LabelScore> top_scores(const std::vector<std::string>& labels,
                                   const std::vector<double>& scores, std::size_t count);

}  // namespace earshot::models
