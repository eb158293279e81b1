#include "analysis/content_timeline.hpp"

#include <algorithm>
#include <cmath>

namespace earshot::analysis {
namespace {

constexpr double kEssentiallySilentShare = 0.05;

// The sustained-sound rule (content_timeline.hpp): the median of the known spectral changes
// into windows i-1 .. i+2, or NaN with fewer than two.
float neighbourhood_change(const std::vector<ContentWindow>& windows, std::size_t i) {
  std::vector<float> changes;
  for (std::size_t j = (i == 0 ? 0 : i - 1); j <= std::min(windows.size() - 1, i + 2); ++j) {
    if (!std::isnan(windows[j].spectral_change)) changes.push_back(windows[j].spectral_change);
  }
  const std::size_t n = changes.size();
  if (n < 2) return std::numeric_limits<float>::quiet_NaN();
  std::sort(changes.begin(), changes.end());
  return n % 2 ? changes[n / 2] : (changes[n / 2 - 1] + changes[n / 2]) / 2;
}

std::vector<ContentWindow> without_sustained_music(std::vector<ContentWindow> windows) {
  std::vector<float> change(windows.size());
  for (std::size_t i = 0; i < windows.size(); ++i) change[i] = neighbourhood_change(windows, i);
  for (std::size_t i = 0; i < windows.size(); ++i) {
    if (windows[i].silent || !(change[i] < kSustainedChangeDb)) continue;
    auto& p = windows[i].probabilities;
    p[static_cast<std::size_t>(ContentClass::noise)] +=
        p[static_cast<std::size_t>(ContentClass::music)];
    p[static_cast<std::size_t>(ContentClass::music)] = 0.0f;
  }
  return windows;
}

std::vector<ContentClass> window_labels(const std::vector<ContentWindow>& windows) {
  const std::size_t n = windows.size();
  std::vector<ContentClass> labels(n, ContentClass::silence);
  for (std::size_t i = 0; i < n; ++i) {
    if (windows[i].silent) continue;
    std::array<float, 3> sum{};
    for (std::size_t j = (i == 0 ? 0 : i - 1); j <= std::min(n - 1, i + 1); ++j) {
      if (windows[j].silent) continue;
      for (std::size_t c = 0; c < 3; ++c) sum[c] += windows[j].probabilities[c];
    }
    const auto best = std::max_element(sum.begin(), sum.end()) - sum.begin();
    labels[i] = static_cast<ContentClass>(best);
  }
  // A lone window between two runs of one label joins them.
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (labels[i - 1] == labels[i + 1] && labels[i] != labels[i - 1]) labels[i] = labels[i - 1];
  }
  return labels;
}

}  // namespace

std::string_view to_string(ContentClass label) {
  switch (label) {
    case ContentClass::speech:
      return "speech";
    case ContentClass::music:
      return "music";
    case ContentClass::noise:
      return "noise";
    case ContentClass::silence:
      return "silence";
  }
  return "silence";
}

ContentSummary summarize_content(const std::vector<ContentWindow>& measured, double duration) {
  ContentSummary summary;
  if (measured.empty()) {
    summary.probabilities[static_cast<std::size_t>(ContentClass::silence)] = 1.0;
    if (duration > 0.0) summary.segments.push_back({0.0, duration, ContentClass::silence});
    return summary;
  }
  const auto windows = without_sustained_music(measured);
  const auto labels = window_labels(windows);

  double total = 0.0;
  std::array<double, kContentClassCount> covered{};
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const double length = windows[i].end - windows[i].start;
    total += length;
    covered[static_cast<std::size_t>(labels[i])] += length;
    if (windows[i].silent) {
      summary.probabilities[static_cast<std::size_t>(ContentClass::silence)] += length;
    } else {
      for (std::size_t c = 0; c < 3; ++c) {
        summary.probabilities[c] += length * windows[i].probabilities[c];
      }
    }
  }
  for (double& p : summary.probabilities) p = total > 0.0 ? p / total : 0.0;

  const double sounding = total - covered[static_cast<std::size_t>(ContentClass::silence)];
  if (total > 0.0 && sounding >= kEssentiallySilentShare * total) {
    const auto best = std::max_element(covered.begin(), covered.begin() + 3) - covered.begin();
    summary.classification = static_cast<ContentClass>(best);
  }

  for (std::size_t i = 0; i < windows.size(); ++i) {
    if (!summary.segments.empty() && summary.segments.back().label == labels[i]) {
      summary.segments.back().end = windows[i].end;
    } else {
      summary.segments.push_back({windows[i].start, windows[i].end, labels[i]});
    }
  }
  // The file's own length is authoritative: resampling may leave the windows a few samples off.
  summary.segments.front().start = 0.0;
  if (duration > 0.0) summary.segments.back().end = duration;
  return summary;
}

}  // namespace earshot::analysis
