// A Prediction as the API and `earshot predict` write it: the old service's "prediction",
// "probability" and "all_probabilities", then, for multi-label models, "top_labels",
// "categories" and "windows". The caller adds "model_name" and "latency_ms" around it.
#pragma once

#include <nlohmann/json.hpp>

#include "models/prediction.hpp"

namespace earshot::models {

// {"prediction": label, "probability": p, "all_probabilities": {label: p, ...},
//  "top_labels": [{"label", "score"}...], "categories": {"speech": s, ...},
//  "windows": [{"start", "end", "top_labels", "categories"}...]}; the last three only when the
// model gives them.
void write_prediction(const Prediction& prediction, nlohmann::ordered_json& out);

}  // namespace earshot::models
