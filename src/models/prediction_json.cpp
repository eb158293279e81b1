#include "models/prediction_json.hpp"

namespace earshot::models {
namespace {

using nlohmann::ordered_json;

ordered_json label_list(const std::vector<LabelScore>& scores) {
  ordered_json list = ordered_json::array();
  for (const auto& [label, score] : scores) list.push_back({{"label", label}, {"score", score}});
  return list;
}

ordered_json label_map(const std::vector<LabelScore>& scores) {
  ordered_json map = ordered_json::object();
  for (const auto& [label, score] : scores) map[label] = score;
  return map;
}

}  // namespace

void write_prediction(const Prediction& prediction, ordered_json& out) {
  ordered_json all = ordered_json::object();
  for (const auto& [label, probability] : prediction.probabilities) all[label] = probability;
  out["prediction"] = prediction.label;
  out["probability"] = prediction.probability;
  out["all_probabilities"] = std::move(all);
  if (!prediction.top.empty()) out["top_labels"] = label_list(prediction.top);
  if (!prediction.categories.empty()) out["categories"] = label_map(prediction.categories);
  if (prediction.windows.empty()) return;
  ordered_json windows = ordered_json::array();
  for (const auto& window : prediction.windows) {
    ordered_json entry{
        {"start", window.start}, {"end", window.end}, {"top_labels", label_list(window.top)}};
    if (!window.categories.empty()) entry["categories"] = label_map(window.categories);
    windows.push_back(std::move(entry));
  }
  out["windows"] = std::move(windows);
}

}  // namespace earshot::models
