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

// Whether music plays under each speech window (false elsewhere): the mean probability over it
// and its speech neighbours, then a lone window between two of the other kind follows them.
std::vector<bool> music_under_speech(const std::vector<ContentWindow>& windows,
                                     const std::vector<ContentClass>& labels) {
  const std::size_t n = windows.size();
  const auto speech = [&](std::size_t i) {
    return labels[i] == ContentClass::speech && windows[i].music_under_speech.has_value();
  };
  std::vector<bool> music(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    if (!speech(i)) continue;
    double sum = 0.0;
    int count = 0;
    for (std::size_t j = (i == 0 ? 0 : i - 1); j <= std::min(n - 1, i + 1); ++j) {
      if (!speech(j)) continue;
      sum += *windows[j].music_under_speech;
      ++count;
    }
    music[i] = sum / count >= 0.5;
  }
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (speech(i) && speech(i - 1) && speech(i + 1) && music[i - 1] == music[i + 1]) {
      music[i] = music[i - 1];
    }
  }
  return music;
}

// A run of windows with one label: the segment before its boundaries are refined.
struct Run {
  std::size_t first = 0;  // window indices, inclusive
  std::size_t last = 0;
  ContentClass label = ContentClass::silence;
  bool music_under_speech = false;
};

std::vector<Run> runs_of(const std::vector<ContentClass>& labels,
                         const std::vector<bool>& music_under_speech) {
  std::vector<Run> runs;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool music = labels[i] == ContentClass::speech && music_under_speech[i];
    if (!runs.empty() && runs.back().label == labels[i] &&
        runs.back().music_under_speech == music) {
      runs.back().last = i;
    } else {
      runs.push_back({i, i, labels[i], music});
    }
  }
  return runs;
}

// Quarters by which an edge next to silence moves into the sounding window: its quiet quarters
// on the silent side, counted from the edge.
int quiet_quarters_from_edge(const ContentWindow& sounding, bool from_start) {
  int count = 0;
  for (std::size_t k = 0; k < kQuartersPerWindow; ++k) {
    const std::size_t q = from_start ? k : kQuartersPerWindow - 1 - k;
    if (!sounding.quiet_quarters[q]) break;
    ++count;
  }
  return count;
}

// Where between window `after` (label b) and the one before it (label a) the sound changes from
// a to b, in quarters from `after`'s start (-3 .. 3); 0 without edge scores. Each of the five
// 1 s windows over the two (ContentWindow::edge_scores) says how much of it is b:
// p_b / (p_a + p_b). A change at a given quarter predicts that share for each window (the part
// of it after the change); the edge goes to the change that predicts the five best (least
// squared difference). If the model's probabilities follow the mix of a window, that finds the
// change to the quarter.
int class_edge_shift(const ContentWindow& after, ContentClass a, ContentClass b) {
  if (!after.edge_scores) return 0;
  constexpr int kQuarters = static_cast<int>(kQuartersPerWindow);
  const auto ia = static_cast<std::size_t>(a);
  const auto ib = static_cast<std::size_t>(b);
  // Window w starts w quarters after the window before `after` does.
  const auto& windows = *after.edge_scores;
  std::array<double, kQuartersPerWindow + 1> share_of_b{};
  for (std::size_t w = 0; w < windows.size(); ++w) {
    const double both = windows[w][ia] + windows[w][ib];
    share_of_b[w] = both > 0.0 ? windows[w][ib] / both : 0.5;
  }
  int best_shift = 0;
  double best_error = INFINITY;
  for (int change = 1; change < 2 * kQuarters; ++change) {  // quarters from windows[0]'s start
    double error = 0.0;
    for (int w = 0; w <= kQuarters; ++w) {
      const double predicted =
          std::clamp(static_cast<double>(w + kQuarters - change) / kQuarters, 0.0, 1.0);
      error += (share_of_b[w] - predicted) * (share_of_b[w] - predicted);
    }
    const int shift = change - kQuarters;
    // Ties keep the edge where it is.
    if (error < best_error || (error == best_error && shift == 0)) {
      best_error = error;
      best_shift = shift;
    }
  }
  return best_shift;
}

// How many quarters the edge between two runs moves (negative: earlier).
int edge_shift(const std::vector<ContentWindow>& windows, const Run& left, const Run& right) {
  const ContentWindow& before = windows[left.last];
  const ContentWindow& after = windows[right.first];
  // A silent window that took its neighbours' label stays whole.
  if (before.silent != (left.label == ContentClass::silence) ||
      after.silent != (right.label == ContentClass::silence)) {
    return 0;
  }
  if (left.label == ContentClass::silence) return quiet_quarters_from_edge(after, true);
  if (right.label == ContentClass::silence) return -quiet_quarters_from_edge(before, false);
  if (left.label == right.label) return 0;  // speech with and without music under it
  return class_edge_shift(after, left.label, right.label);
}

std::vector<ContentSegment> refined_segments(const std::vector<ContentWindow>& windows,
                                             const std::vector<ContentClass>& labels) {
  const auto runs = runs_of(labels, music_under_speech(windows, labels));
  std::vector<ContentSegment> segments;
  for (const Run& run : runs) {
    segments.push_back(
        {windows[run.first].start, windows[run.last].end, run.label, run.music_under_speech});
  }
  for (std::size_t r = 1; r < runs.size(); ++r) {
    const double edge =
        windows[runs[r].first].start + kQuarterSeconds * edge_shift(windows, runs[r - 1], runs[r]);
    // Each segment keeps at least a quarter second: the one before has had its start refined
    // already; the one after has not yet.
    const double earliest = segments[r - 1].start + kQuarterSeconds;
    const double latest = segments[r].end - kQuarterSeconds;
    const double clamped = std::clamp(edge, std::min(earliest, windows[runs[r].first].start),
                                      std::max(latest, windows[runs[r].first].start));
    segments[r - 1].end = clamped;
    segments[r].start = clamped;
  }
  return segments;
}

}  // namespace

std::vector<ContentWindow> with_sustained_sound_as_noise(std::vector<ContentWindow> windows) {
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

ContentClass classification_of(const std::array<double, kContentClassCount>& covered) {
  double total = 0.0;
  for (const double seconds : covered) total += seconds;
  const double sounding = total - covered[static_cast<std::size_t>(ContentClass::silence)];
  if (total <= 0.0 || sounding < kEssentiallySilentShare * total) return ContentClass::silence;
  return static_cast<ContentClass>(std::max_element(covered.begin(), covered.begin() + 3) -
                                   covered.begin());
}

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
  const auto windows = with_sustained_sound_as_noise(measured);
  const auto labels = window_labels(windows);

  double total = 0.0;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const double length = windows[i].end - windows[i].start;
    total += length;
    if (windows[i].silent) {
      summary.probabilities[static_cast<std::size_t>(ContentClass::silence)] += length;
    } else {
      for (std::size_t c = 0; c < 3; ++c) {
        summary.probabilities[c] += length * windows[i].probabilities[c];
      }
    }
  }
  for (double& p : summary.probabilities) p = total > 0.0 ? p / total : 0.0;

  summary.segments = refined_segments(windows, labels);
  // The class is read off the timeline the user sees, edges to the quarter second included.
  std::array<double, kContentClassCount> covered{};
  for (const ContentSegment& segment : summary.segments) {
    covered[static_cast<std::size_t>(segment.label)] += segment.end - segment.start;
  }
  summary.classification = classification_of(covered);
  // The file's own length is authoritative: resampling may leave the windows a few samples off.
  summary.segments.front().start = 0.0;
  if (duration > 0.0) summary.segments.back().end = duration;
  return summary;
}

}  // namespace earshot::analysis
