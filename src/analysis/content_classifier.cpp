#include "analysis/content_classifier.hpp"

#include <cmath>

#include "dsp/content_features.hpp"

namespace earshot::analysis {
namespace {

using dsp::ContentFeatures;

double rms_dbfs(std::span<const float> samples) {
  double sum = 0.0;
  for (const float s : samples) sum += static_cast<double>(s) * s;
  const double mean = samples.empty() ? 0.0 : sum / samples.size();
  return mean > 0.0 ? 10.0 * std::log10(mean) : -INFINITY;
}

}  // namespace

ContentClassifier::ContentClassifier(const ContentModel& model, double silence_threshold_dbfs)
    : model_(model),
      silence_threshold_dbfs_(silence_threshold_dbfs),
      features_(ContentFeatures::kSize) {
  pending_.reserve(ContentFeatures::kWindowSamples);
}

void ContentClassifier::add(std::span<const float> samples) {
  while (!samples.empty()) {
    const std::size_t take =
        std::min(samples.size(), ContentFeatures::kWindowSamples - pending_.size());
    pending_.insert(pending_.end(), samples.begin(), samples.begin() + take);
    samples = samples.subspan(take);
    if (pending_.size() == ContentFeatures::kWindowSamples) {
      classify(pending_);
      pending_.clear();
    }
  }
}

ContentSummary ContentClassifier::finish(double duration) {
  if (!pending_.empty()) {
    classify(pending_);
    pending_.clear();
  }
  return summarize_content(windows_, duration);
}

void ContentClassifier::classify(std::span<const float> samples) {
  const double start = windows_.empty() ? 0.0 : windows_.back().end;
  ContentWindow window{start,
                       start + static_cast<double>(samples.size()) / ContentFeatures::kSampleRate,
                       rms_dbfs(samples) < silence_threshold_dbfs_,
                       {}};
  if (!window.silent) {
    ContentFeatures::instance().compute(samples, features_);
    window.probabilities = model_.predict(features_);
  }
  windows_.push_back(window);
}

}  // namespace earshot::analysis
