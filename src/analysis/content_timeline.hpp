// From per-window decisions to what the user reads: the file's content class, its class
// probabilities and a timeline of segments. Pure logic over the windows; no audio here.
//
// Windows are 1 s long (the last may be shorter) and each is either silent (RMS below the
// silence threshold, decided by level) or carries the content model's probabilities of speech,
// music and noise. Rules, documented in docs/analysis.md:
//   * window label: silence when silent, otherwise the class with the highest probability after
//     averaging each non-silent window's probabilities with its non-silent neighbours' (one on
//     each side), which steadies the borders of long stretches;
//   * a run of exactly one window between two runs of one same label takes that label, so a
//     single flip never splits a segment (a 1 s pause inside speech stays speech; 2 s or more
//     of silence is its own segment);
//   * segments: runs of one label, merged, covering the file from 0 to its duration;
//   * class_probabilities: the mean over windows, weighted by their length, of (speech, music,
//     noise, silence) where a silent window counts as certain silence;
//   * classification: the label covering the most non-silent time, or "silence" when less than
//     5 % of the file (or no window) is non-silent.
#pragma once

#include <array>
#include <string_view>
#include <vector>

namespace earshot::analysis {

enum class ContentClass { speech, music, noise, silence };
inline constexpr std::size_t kContentClassCount = 4;

std::string_view to_string(ContentClass label);

struct ContentWindow {
  double start = 0.0;  // seconds
  double end = 0.0;
  bool silent = false;
  std::array<float, 3> probabilities{};  // speech, music, noise; meaningful when !silent
};

struct ContentSegment {
  double start = 0.0;
  double end = 0.0;
  ContentClass label = ContentClass::silence;
  bool operator==(const ContentSegment&) const = default;
};

struct ContentSummary {
  ContentClass classification = ContentClass::silence;
  std::array<double, kContentClassCount> probabilities{};  // speech, music, noise, silence
  std::vector<ContentSegment> segments;
};

// `duration` is the file's length; the last segment ends there.
ContentSummary summarize_content(const std::vector<ContentWindow>& windows, double duration);

}  // namespace earshot::analysis
