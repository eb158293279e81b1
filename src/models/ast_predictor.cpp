#include "models/ast_predictor.hpp"

#include <algorithm>
#include <cmath>

#include "models/audioset_categories.hpp"

namespace earshot::models {
namespace {

constexpr int kRate = 16000;
constexpr double kFrameShiftSeconds = 0.01;  // Kaldi fbank's 10 ms

double sigmoid(double logit) {
  return 1.0 / (1.0 + std::exp(-logit));
}

std::vector<LabelScore> named_categories(const std::array<double, 4>& scores) {
  std::vector<LabelScore> named;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    named.push_back(
        {std::string(analysis::to_string(static_cast<analysis::ContentClass>(i))), scores[i]});
  }
  return named;
}

}  // namespace

// Scratch memory for forward passes: one Workspace per call running at once, kept for the next
// call instead of allocating ~100 MB per request.
struct AstPredictor::WorkspacePool {
  std::mutex mutex;
  std::vector<std::unique_ptr<AstModel::Workspace>> free;

  std::unique_ptr<AstModel::Workspace> take() {
    std::lock_guard lock(mutex);
    if (free.empty()) return std::make_unique<AstModel::Workspace>();
    auto work = std::move(free.back());
    free.pop_back();
    return work;
  }
  void give_back(std::unique_ptr<AstModel::Workspace> work) {
    std::lock_guard lock(mutex);
    free.push_back(std::move(work));
  }
};

AstPredictor::AstPredictor(ModelInfo info, AstModel model, dsp::AstFrontend frontend,
                           Options options)
    : Model(std::move(info)),
      model_(std::move(model)),
      frontend_(std::move(frontend)),
      options_(options),
      workspaces_(std::make_unique<WorkspacePool>()) {
  const auto& categories = AudiosetCategories::shipped();
  for (const auto& label : this->info().labels) {
    const auto category = categories.find(label);
    label_category_.push_back(category ? static_cast<int>(*category) : -1);
  }
}

AstPredictor::~AstPredictor() = default;

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

std::size_t AstPredictor::window_samples() const {
  return static_cast<std::size_t>(
      std::lround(static_cast<double>(model_.config().max_length) * kFrameShiftSeconds * kRate));
}

core::Result<std::vector<double>> AstPredictor::window_scores(std::span<const float> clip) const {
  auto input = frontend_.compute(clip.first(std::min(clip.size(), window_samples())), kRate);
  if (!input) return input.error();
  std::vector<float> logits(model_.config().labels.size());
  auto work = workspaces_->take();
  model_.forward(input->values, logits, *work, options_.threads);
  workspaces_->give_back(std::move(work));
  std::vector<double> scores(logits.size());
  std::transform(logits.begin(), logits.end(), scores.begin(),
                 [](float logit) { return sigmoid(logit); });
  return scores;
}

bool AstPredictor::has_categories() const {
  return std::any_of(label_category_.begin(), label_category_.end(),
                     [](int category) { return category >= 0; });
}

std::optional<std::array<double, 4>> AstPredictor::category_scores(
    const std::vector<double>& scores) const {
  std::array<double, 4> best{};
  bool mapped = false;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (label_category_[i] < 0) continue;
    auto& slot = best[static_cast<std::size_t>(label_category_[i])];
    slot = std::max(slot, scores[i]);
    mapped = true;
  }
  if (!mapped) return std::nullopt;
  return best;
}

core::Result<Prediction> AstPredictor::predict(std::span<const float> mono) const {
  if (mono.empty()) return core::Error{core::ErrorCode::invalid_input, "no samples to classify"};
  const std::size_t window = window_samples();
  const std::size_t hop =
      options_.hop_seconds
          ? std::max<std::size_t>(
                1, static_cast<std::size_t>(std::lround(*options_.hop_seconds * kRate)))
          : window;
  const auto& labels = info().labels;
  std::vector<double> file_scores(labels.size(), 0.0);
  std::array<double, 4> file_categories{};
  std::vector<WindowPrediction> windows;
  for (std::size_t start = 0; start == 0 || start < mono.size(); start += hop) {
    const auto clip = mono.subspan(start, std::min(window, mono.size() - start));
    auto scores = window_scores(clip);
    if (!scores) {
      if (start > 0) break;  // a last sliver shorter than one frame adds nothing
      return scores.error();
    }
    WindowPrediction entry{.start = static_cast<double>(start) / kRate,
                           .end = static_cast<double>(start + clip.size()) / kRate,
                           .top = top_scores(labels, *scores, options_.top_k),
                           .categories = {}};
    if (const auto categories = category_scores(*scores)) {
      entry.categories = named_categories(*categories);
      for (std::size_t c = 0; c < categories->size(); ++c) file_categories[c] += (*categories)[c];
    }
    for (std::size_t i = 0; i < labels.size(); ++i) file_scores[i] += (*scores)[i];
    windows.push_back(std::move(entry));
    if (start + window >= mono.size()) break;
  }
  const auto count = static_cast<double>(windows.size());
  for (double& s : file_scores) s /= count;
  Prediction prediction = make_prediction(labels, file_scores);
  prediction.top = top_scores(labels, file_scores, options_.top_k);
  if (!windows.front().categories.empty()) {
    for (double& c : file_categories) c /= count;
    prediction.categories = named_categories(file_categories);
  }
  prediction.windows = std::move(windows);
  return prediction;
}

}  // namespace earshot::models
