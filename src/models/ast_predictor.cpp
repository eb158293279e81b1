#include "models/ast_predictor.hpp"

#include <algorithm>
#include <cmath>

#include "nn/linear.hpp"

namespace earshot::models {
namespace {

constexpr int kRate = 16000;
constexpr double kFrameShiftSeconds = 0.01;  // Kaldi fbank's 10 ms

}  // namespace

AstPredictor::AstPredictor(ModelInfo info, AstModel model, dsp::AstFrontend frontend,
                           Options options)
    : Model(std::move(info)),
      model_(std::move(model)),
      frontend_(std::move(frontend)),
      options_(options) {}

core::Result<std::unique_ptr<AstPredictor>> AstPredictor::load(ModelInfo info,
                                                               const std::filesystem::path& folder,
                                                               Options options) {
  auto model = AstModel::load(folder);
  if (!model) return model.error();
  const auto& config = model->config();
  auto frontend = dsp::AstFrontend::create({.sampling_rate = kRate,
                                            .num_mel_bins = static_cast<int>(config.num_mel_bins),
                                            .max_length = static_cast<int>(config.max_length)});
  if (!frontend) return frontend.error();
  info.labels = config.labels;
  info.sample_rate = kRate;
  info.feature_extractor = "ast-input";
  return std::unique_ptr<AstPredictor>(
      new AstPredictor(std::move(info), std::move(*model), std::move(*frontend), options));
}

core::Result<std::vector<std::vector<float>>> AstPredictor::window_probabilities(
    std::span<const float> mono) const {
  if (mono.empty()) return core::Error{core::ErrorCode::invalid_input, "no samples to classify"};
  const auto window = static_cast<std::size_t>(
      std::lround(model_.config().max_length * kFrameShiftSeconds * kRate));
  const auto hop =
      options_.hop_seconds
          ? std::max<std::size_t>(
                1, static_cast<std::size_t>(std::lround(*options_.hop_seconds * kRate)))
          : window;
  std::vector<std::vector<float>> windows;
  AstModel::Workspace work;
  for (std::size_t start = 0; start == 0 || start < mono.size(); start += hop) {
    const auto clip = mono.subspan(start, std::min(window, mono.size() - start));
    auto input = frontend_.compute(clip, kRate);
    if (!input) {
      if (start > 0) break;  // a last sliver shorter than one frame adds nothing
      return input.error();
    }
    std::vector<float> logits(model_.config().labels.size());
    model_.forward(input->values, logits, work, options_.threads);
    nn::softmax(logits);
    windows.push_back(std::move(logits));
    if (start + window >= mono.size()) break;
  }
  return windows;
}

core::Result<Prediction> AstPredictor::predict(std::span<const float> mono) const {
  auto windows = window_probabilities(mono);
  if (!windows) return windows.error();
  std::vector<double> mean(info().labels.size(), 0.0);
  for (const auto& probabilities : *windows) {
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += probabilities[i];
  }
  for (double& p : mean) p /= static_cast<double>(windows->size());
  return make_prediction(info().labels, mean);
}

}  // namespace earshot::models
