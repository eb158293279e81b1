// The registry's "ast" predictor: an Audio Spectrogram Transformer checkpoint folder
// (config.json + model.safetensors, models/ast_model.hpp) over the whole file. The audio is cut
// into windows of max_length frames (10.24 s for the AudioSet checkpoints), `hop_seconds`
// apart (default: one window, no overlap); each window goes through the AST front end and the
// model, and its logits through a softmax, as transformers' audio-classification pipeline
// does. The file's probabilities are the mean over windows.
#pragma once

#include <optional>

#include "dsp/ast_frontend.hpp"
#include "models/ast_model.hpp"
#include "models/model.hpp"

namespace earshot::models {

class AstPredictor final : public Model {
 public:
  struct Options {
    std::optional<double> hop_seconds;  // none: one window
    unsigned threads = 1;               // per prediction
  };

  // `info`'s labels, rate and extractor are filled from the checkpoint. Errors: those of
  // AstModel::load and of the front end.
  static core::Result<std::unique_ptr<AstPredictor>> load(ModelInfo info,
                                                          const std::filesystem::path& folder,
                                                          Options options);

  core::Result<Prediction> predict(std::span<const float> mono) const override;

  // Per-window softmax probabilities (windows x labels), for callers that want the timeline.
  core::Result<std::vector<std::vector<float>>> window_probabilities(
      std::span<const float> mono) const;

 private:
  AstPredictor(ModelInfo info, AstModel model, dsp::AstFrontend frontend, Options options);

  AstModel model_;
  dsp::AstFrontend frontend_;
  Options options_;
};

}  // namespace earshot::models
