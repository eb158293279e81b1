// The registry's "ast" predictor: an Audio Spectrogram Transformer checkpoint folder
// (config.json + model.safetensors, models/ast_model.hpp) over the whole file. The audio is cut
// into windows of max_length frames (10.24 s for the AudioSet checkpoints), `hop_seconds`
// apart (default: one window, no overlap); each window goes through the AST front end and the
// model. AudioSet is multi-label, so a label's score is the sigmoid of its logit, not a softmax
// over all labels; a file's score per label is the mean over its windows.
//
// Labels that are AudioSet class names (models/audioset_categories.hpp) also give a score per
// content class: the highest score among that class's labels (speech: Speech, Conversation,
// ...; music: Music, Guitar, ...), per window and, as the mean over windows, per file.
//
//   auto ast = models::AstPredictor::load(info, "checkpoints/ast-audioset", options);
//   auto prediction = ast->predict(mono_16k);   // label, top labels, categories, windows
//
// stream() scores each window as soon as its samples have arrived, so a stream holds one
// window of samples and a few hundred bytes per window scored (the per-window results),
// whatever the file's length; predict() is that stream over one span.
//
// Thread-safe: each call borrows its scratch memory (about 100 MB for the full-size model)
// from a pool that grows to the number of calls running at once.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "dsp/kaldi/ast_frontend.hpp"
#include "models/ast_model.hpp"
#include "models/model.hpp"

namespace earshot::models {

class AstPredictor final : public Model {
 public:
  struct Options {
    std::optional<double> hop_seconds;  // none: one window
    unsigned threads = 1;               // per prediction
    std::size_t top_k = 5;              // labels listed per file and per window
  };

  // `info`'s labels, rate and extractor are filled from the checkpoint. Errors: those of
  // AstModel::load and of the front end.
  static core::Result<std::unique_ptr<AstPredictor>> load(ModelInfo info,
                                                          const std::filesystem::path& folder,
                                                          Options options);
  ~AstPredictor() override;

  core::Result<Prediction> predict(std::span<const float> mono) const override;
  std::unique_ptr<PredictionStream> stream() const override;
  const Options& options() const { return options_; }

  // Samples of 16 kHz audio in one window (max_length frames of 10 ms).
  std::size_t window_samples() const;
  // Samples from one window's start to the next's: hop_seconds, or one window.
  std::size_t hop_samples() const;
  // Sigmoid scores of every label for one window (at most window_samples() samples; a shorter
  // one is padded as the front end pads). Errors: invalid_input when under one frame.
  core::Result<std::vector<double>> window_scores(std::span<const float> clip) const;
  // Whether any label of the model is an AudioSet class, so that category_scores() has values.
  bool has_categories() const;
  // Speech, music, noise and silence scores of a window's label scores; nullopt when no label
  // of the model is an AudioSet class.
  std::optional<std::array<double, 4>> category_scores(const std::vector<double>& scores) const;

 private:
  struct WorkspacePool;
  AstPredictor(ModelInfo info, AstModel model, dsp::AstFrontend frontend, Options options);

  AstModel model_;
  dsp::AstFrontend frontend_;
  Options options_;
  std::vector<int> label_category_;  // per label: a ContentClass index, or -1 when unmapped
  std::unique_ptr<WorkspacePool> workspaces_;
};

}  // namespace earshot::models
