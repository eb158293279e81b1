#include "analysis/content_classifier.hpp"

#include <algorithm>
#include <cmath>

#include "dsp/content/content_log_mel.hpp"

namespace earshot::analysis {
namespace {

using dsp::ContentLogMel;

double rms_dbfs(std::span<const float> samples) {
  double sum = 0.0;
  for (const float s : samples) sum += static_cast<double>(s) * s;
  const double mean = samples.empty() ? 0.0 : sum / samples.size();
  return mean > 0.0 ? 10.0 * std::log10(mean) : -INFINITY;
}

constexpr std::size_t kQuarterSamples = ContentLogMel::kWindowSamples / kQuartersPerWindow;

std::size_t most_likely(const std::array<float, 3>& probabilities) {
  return static_cast<std::size_t>(std::max_element(probabilities.begin(), probabilities.end()) -
                                  probabilities.begin());
}

float rms_difference(std::span<const float> a, std::span<const float> b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    sum += static_cast<double>(a[i] - b[i]) * (a[i] - b[i]);
  return static_cast<float>(std::sqrt(sum / static_cast<double>(a.size())));
}

}  // namespace

ContentClassifier::ContentClassifier(const ContentScorer& scorer, double silence_threshold_dbfs)
    : scorer_(scorer), silence_threshold_dbfs_(silence_threshold_dbfs) {
  pending_.reserve(scorer_.chunk_samples());
}

void ContentClassifier::add(std::span<const float> samples) {
  const std::size_t chunk = scorer_.chunk_samples();
  while (!samples.empty()) {
    const std::size_t take = std::min(samples.size(), chunk - pending_.size());
    pending_.insert(pending_.end(), samples.begin(), samples.begin() + take);
    samples = samples.subspan(take);
    if (pending_.size() == chunk) {
      classify(pending_);
      pending_.clear();
    }
  }
}

ContentSummary ContentClassifier::finish(double duration) {
  flush();
  return summarize_content(resolved_windows(), duration);
}

void ContentClassifier::flush() {
  if (pending_.empty()) return;
  classify(pending_);
  pending_.clear();
}

std::vector<ContentWindow> ContentClassifier::resolved_windows() const {
  std::vector<ContentWindow> windows = windows_;
  if (const ContentContext* context = scorer_.context()) {
    // The window model's probabilities become the context layer's; the edge scores keep the
    // window model's own.
    auto embeddings = embeddings_;
    embeddings.resize(windows.size());
    const auto outputs = context->apply(embeddings);
    for (std::size_t i = 0; i < windows.size(); ++i) {
      if (windows[i].silent || embeddings[i].empty()) continue;
      windows[i].probabilities = outputs[i].probabilities;
      windows[i].music_under_speech = outputs[i].music_under_speech;
    }
  }
  return windows;
}

void ContentClassifier::forget_windows(std::size_t count) {
  count = std::min(count, windows_.size());
  windows_.erase(windows_.begin(), windows_.begin() + static_cast<std::ptrdiff_t>(count));
  const std::size_t embedded = std::min(count, embeddings_.size());
  embeddings_.erase(embeddings_.begin(),
                    embeddings_.begin() + static_cast<std::ptrdiff_t>(embedded));
}

void ContentClassifier::classify(std::span<const float> chunk) {
  const std::size_t first = windows_.size();
  for (std::size_t begin = 0; begin < chunk.size(); begin += ContentLogMel::kWindowSamples) {
    const auto samples =
        chunk.subspan(begin, std::min(ContentLogMel::kWindowSamples, chunk.size() - begin));
    const double start = stream_end_;
    ContentWindow window;
    window.start = start;
    window.end = start + static_cast<double>(samples.size()) / ContentLogMel::kSampleRate;
    window.silent = rms_dbfs(samples) < silence_threshold_dbfs_;
    for (std::size_t q = 0; q < kQuartersPerWindow; ++q) {
      const std::size_t begin_q = q * kQuarterSamples;
      if (begin_q >= samples.size()) break;
      window.quiet_quarters[q] =
          rms_dbfs(samples.subspan(begin_q, std::min(kQuarterSamples, samples.size() - begin_q))) <
          silence_threshold_dbfs_;
    }
    windows_.push_back(window);
    stream_end_ = window.end;
  }
  const auto windows = std::span(windows_).subspan(first);
  if (std::all_of(windows.begin(), windows.end(), [](const auto& w) { return w.silent; })) {
    previous_band_shape_.reset();
    previous_window_.clear();
    return;
  }
  ChunkScore score = scorer_.score(chunk);
  for (auto& window : windows) {
    if (!window.silent) window.probabilities = score.probabilities;
  }
  if (scorer_.context() && windows.size() == 1) {
    embeddings_.resize(windows_.size());  // empty for the silent windows before
    embeddings_.back() = std::move(score.embedding);
  }
  score_straddling(chunk);
  // Spectral change is between consecutive sounding 1 s windows, so only a scorer of 1 s
  // chunks can give it.
  if (windows.size() == 1 && score.band_shape) {
    if (previous_band_shape_) {
      windows.front().spectral_change = rms_difference(*previous_band_shape_, *score.band_shape);
    }
    previous_band_shape_ = score.band_shape;
  }
}

void ContentClassifier::score_straddling(std::span<const float> chunk) {
  constexpr std::size_t kWindow = ContentLogMel::kWindowSamples;
  const bool one_full_window = chunk.size() == kWindow && scorer_.chunk_samples() == kWindow;
  if (!one_full_window) {
    previous_window_.clear();
    return;
  }
  // The window before this one sounded and was a whole second (previous_window_ holds it).
  if (previous_window_.size() == kWindow && windows_.size() >= 2) {
    const ContentWindow& before = windows_[windows_.size() - 2];
    ContentWindow& after = windows_.back();
    if (most_likely(before.probabilities) != most_likely(after.probabilities)) {
      previous_window_.insert(previous_window_.end(), chunk.begin(), chunk.end());
      std::array<std::array<float, 3>, kQuartersPerWindow + 1> scores;
      scores.front() = before.probabilities;
      for (std::size_t k = 1; k < kQuartersPerWindow; ++k) {
        scores[k] = scorer_.score(std::span(previous_window_).subspan(k * kQuarterSamples, kWindow))
                        .probabilities;
      }
      scores.back() = after.probabilities;
      after.edge_scores = scores;
    }
  }
  if (windows_.back().silent) {
    previous_window_.clear();
  } else {
    previous_window_.assign(chunk.begin(), chunk.end());
  }
}

}  // namespace earshot::analysis
