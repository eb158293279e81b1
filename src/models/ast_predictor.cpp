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

std::size_t AstPredictor::hop_samples() const {
  if (!options_.hop_seconds) return window_samples();
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::lround(*options_.hop_seconds * kRate)));
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

namespace {

// Windows start every hop; each is scored as soon as its samples are in, so that only the
// window being filled is held. finish() scores the one window left, if any: the first start
// before the end whose window would run past it (a shorter clip). Scores are summed in window
// order, so a stream and predict() over the same samples agree exactly.
class AstStream final : public PredictionStream {
 public:
  explicit AstStream(const AstPredictor& model)
      : model_(model),
        window_(model.window_samples()),
        hop_(model.hop_samples()),
        file_scores_(model.info().labels.size(), 0.0) {}

  core::Status add(std::span<const float> mono) override {
    received_ += mono.size();
    while (!mono.empty() && !done_) {
      if (skip_ > 0) {  // between two windows, when the hop is longer than a window
        const std::size_t skipped = std::min(skip_, mono.size());
        skip_ -= skipped;
        mono = mono.subspan(skipped);
        continue;
      }
      const std::size_t take = std::min(mono.size(), window_ - pending_.size());
      pending_.insert(pending_.end(), mono.begin(), mono.begin() + take);
      mono = mono.subspan(take);
      if (pending_.size() < window_) break;
      if (auto scored = score(pending_); !scored) return scored;
      const std::size_t dropped = std::min(hop_, window_);
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(dropped));
      skip_ = hop_ - dropped;
      start_ += hop_;
    }
    return {};
  }

  core::Result<Prediction> finish() override {
    if (received_ == 0) {
      return core::Error{core::ErrorCode::invalid_input, "no samples to classify"};
    }
    const bool ended_on_window = !windows_.empty() && last_end_ == received_;
    if (!done_ && !ended_on_window && start_ < received_) {
      if (auto scored = score(pending_); !scored) return scored.error();
    }
    const auto& labels = model_.info().labels;
    const auto count = static_cast<double>(windows_.size());
    for (double& s : file_scores_) s /= count;
    Prediction prediction = make_prediction(labels, file_scores_);
    prediction.top = top_scores(labels, file_scores_, model_.options().top_k);
    if (!windows_.front().categories.empty()) {
      for (double& c : file_categories_) c /= count;
      prediction.categories = named_categories(file_categories_);
    }
    prediction.windows = std::move(windows_);
    return prediction;
  }

 private:
  // Scores the window starting at start_. A failure of the first window is the input's error;
  // a later one can only be a last sliver shorter than one frame, which adds nothing.
  core::Status score(std::span<const float> clip) {
    auto scores = model_.window_scores(clip);
    if (!scores) {
      if (windows_.empty()) return scores.error();
      done_ = true;
      return {};
    }
    last_end_ = start_ + clip.size();
    WindowPrediction entry{.start = static_cast<double>(start_) / kRate,
                           .end = static_cast<double>(last_end_) / kRate,
                           .top = top_scores(model_.info().labels, *scores, model_.options().top_k),
                           .categories = {}};
    if (const auto categories = model_.category_scores(*scores)) {
      entry.categories = named_categories(*categories);
      for (std::size_t c = 0; c < categories->size(); ++c) file_categories_[c] += (*categories)[c];
    }
    for (std::size_t i = 0; i < file_scores_.size(); ++i) file_scores_[i] += (*scores)[i];
    windows_.push_back(std::move(entry));
    return {};
  }

  const AstPredictor& model_;
  std::size_t window_;
  std::size_t hop_;
  std::vector<float> pending_;  // samples from start_ on, fewer than a window
  std::size_t start_ = 0;       // of the window being filled, in samples
  std::size_t skip_ = 0;        // samples still to pass before start_
  std::size_t received_ = 0;
  std::size_t last_end_ = 0;  // of the last window scored
  bool done_ = false;         // a later window could not be scored: the rest adds nothing
  std::vector<double> file_scores_;
  std::array<double, 4> file_categories_{};
  std::vector<WindowPrediction> windows_;
};

}  // namespace

core::Result<Prediction> AstPredictor::predict(std::span<const float> mono) const {
  AstStream stream(*this);
  if (auto added = stream.add(mono); !added) return added.error();
  return stream.finish();
}

std::unique_ptr<PredictionStream> AstPredictor::stream() const {
  return std::make_unique<AstStream>(*this);
}

}  // namespace earshot::models
