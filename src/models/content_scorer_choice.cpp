#include "models/content_scorer_choice.hpp"

#include <algorithm>
#include <string>

#include "models/ast_predictor.hpp"

namespace earshot::models {
namespace {

class AstContentScorer final : public analysis::ContentScorer {
 public:
  explicit AstContentScorer(std::shared_ptr<const AstPredictor> ast) : ast_(std::move(ast)) {}

  // Whole seconds (10 s of a 10.24 s window; the front end pads the rest), so that chunks keep
  // to the classifier's 1 s windows.
  std::size_t chunk_samples() const override {
    constexpr std::size_t kSecond = 16000;
    return std::max(kSecond, ast_->window_samples() / kSecond * kSecond);
  }

  analysis::ChunkScore score(std::span<const float> chunk) const override {
    analysis::ChunkScore undecided;
    undecided.probabilities = {1.0f / 3, 1.0f / 3, 1.0f / 3};
    auto scores = ast_->window_scores(chunk);
    if (!scores) return undecided;  // under one 25 ms frame: the file's last sliver
    const auto categories = ast_->category_scores(*scores);
    const double sum = (*categories)[0] + (*categories)[1] + (*categories)[2];
    if (!(sum > 0.0)) return undecided;
    analysis::ChunkScore result;
    for (std::size_t c = 0; c < 3; ++c) {
      result.probabilities[c] = static_cast<float>((*categories)[c] / sum);
    }
    return result;
  }

 private:
  std::shared_ptr<const AstPredictor> ast_;
};

core::Error invalid(std::string_view name, const std::string& problem) {
  return core::Error{core::ErrorCode::invalid_input,
                     "CONTENT_MODEL: '" + std::string(name) + "' " + problem};
}

}  // namespace

core::Result<std::shared_ptr<const analysis::ContentScorer>> choose_content_scorer(
    const Registry& registry, std::string_view name) {
  for (const auto& model : registry.models()) {
    if (model->info().name != name) continue;
    if (model->info().predictor == "content")
      return std::shared_ptr<const analysis::ContentScorer>();
    auto ast = std::dynamic_pointer_cast<const AstPredictor>(model);
    if (!ast) {
      return invalid(name, "is a " + model->info().predictor +
                               " model; the content model must be a content or an ast model");
    }
    if (!ast->has_categories()) {
      return invalid(name,
                     "has no AudioSet class among its labels, so none maps to speech, "
                     "music or noise");
    }
    return std::shared_ptr<const analysis::ContentScorer>(
        std::make_shared<AstContentScorer>(std::move(ast)));
  }
  return invalid(name, "is not a model of the registry (" + registry.names() + ")");
}

}  // namespace earshot::models
