#include "analysis/content_timeline.hpp"

#include <algorithm>

namespace earshot::analysis {
namespace {

constexpr double kEssentiallySilentShare = 0.05;

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

ContentSummary summarize_content(const std::vector<ContentWindow>& windows, double duration) {
  ContentSummary summary;
  if (windows.empty()) {
    summary.probabilities[static_cast<std::size_t>(ContentClass::silence)] = 1.0;
    if (duration > 0.0) summary.segments.push_back({0.0, duration, ContentClass::silence});
    return summary;
  }
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
