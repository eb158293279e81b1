// From per-window decisions to what the user reads: the file's content class, its class
// probabilities and a timeline of segments. Pure logic over the windows; no audio here.
//
// Windows are 1 s long (the last may be shorter) and each is either silent (RMS below the
// silence threshold, decided by level) or carries the content model's probabilities of speech,
// music and noise. Rules, documented in docs/analysis.md:
//   * sustained sound is not music: a window whose spectrum holds still, the median spectral
//     change over its neighbourhood (the changes into windows i-1 .. i+2, so 5 s of audio, at
//     least two of them known) under 1 dB, gives its music probability to noise. Music changes
//     notes; drones, engines and hum do not. 1 dB was chosen on the training packages alone:
//     0.7-1.6 % of music windows fall under it, and 36-45 % of ambient and machine noise;
//   * window label: silence when silent, otherwise the class with the highest probability after
//     averaging each non-silent window's probabilities with its non-silent neighbours' (one on
//     each side), which steadies the borders of long stretches;
//   * a run of exactly one window between two runs of one same label takes that label, so a
//     single flip never splits a segment (a 1 s pause inside speech stays speech; 2 s or more
//     of silence is its own segment);
//   * music under speech (a model with a context layer): a speech window has music under it
//     when the mean probability of that over it and its speech neighbours (one on each side) is
//     at least 0.5; a lone window between two of the other kind follows them;
//   * segments: runs of one label (and, for speech, one music-under-speech flag), covering the
//     file from 0 to its duration;
//   * boundaries to the quarter second: a segment edge between two windows moves by whole
//     quarters (0.25 s), at most three, to where the sound changes. Next to silence it moves
//     over the quiet quarters (RMS below the silence threshold) of the sounding window. Between
//     two classes A | B it goes to the quarter whose change from A to B best predicts, for the
//     two windows and the three straddling their edge (ContentWindow::edge_scores), each one's
//     share of B, p_B / (p_A + p_B), as the part of the window after the change. With no
//     straddling scores the edge stays. A segment keeps at least a quarter second;
//   * class_probabilities: the mean over windows, weighted by their length, of (speech, music,
//     noise, silence) where a silent window counts as certain silence;
//   * classification: the label covering the most non-silent time of the segments (edges to the
//     quarter second), or "silence" when less than 5 % of the file (or no window) is non-silent.
#pragma once

#include <array>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace earshot::analysis {

enum class ContentClass { speech, music, noise, silence };
inline constexpr std::size_t kContentClassCount = 4;
// Segment boundaries are placed to a quarter of the 1 s window.
inline constexpr std::size_t kQuartersPerWindow = 4;
inline constexpr double kQuarterSeconds = 0.25;

std::string_view to_string(ContentClass label);

struct ContentWindow {
  double start = 0.0;  // seconds
  double end = 0.0;
  bool silent = false;
  std::array<float, 3> probabilities{};  // speech, music, noise; meaningful when !silent
  // RMS difference in dB between the band shapes of this window and the one before, when both
  // sound and the scorer gives band shapes (ChunkScore::band_shape); NaN otherwise.
  float spectral_change = std::numeric_limits<float>::quiet_NaN();
  // Whether each quarter second of the window is below the silence threshold (a quarter past a
  // short last window's end is not quiet).
  std::array<bool, kQuartersPerWindow> quiet_quarters{};
  // The speech / music / noise probabilities, from the window model alone, of the five 1 s
  // windows that start 1, 0.75, 0.5, 0.25 and 0 s before this one: the window before, the three
  // straddling the edge between the two, and this one. Scored only where the two windows both
  // sound and their most likely classes differ, and only by a scorer of 1 s chunks; they place
  // a class boundary to the quarter second.
  std::optional<std::array<std::array<float, 3>, kQuartersPerWindow + 1>> edge_scores;
  // The probability that music plays under speech, from a model with a context layer.
  std::optional<float> music_under_speech;
};

struct ContentSegment {
  double start = 0.0;
  double end = 0.0;
  ContentClass label = ContentClass::silence;
  bool music_under_speech = false;  // speech segments only
  bool operator==(const ContentSegment&) const = default;
};

struct ContentSummary {
  ContentClass classification = ContentClass::silence;
  std::array<double, kContentClassCount> probabilities{};  // speech, music, noise, silence
  std::vector<ContentSegment> segments;
};

inline constexpr float kSustainedChangeDb = 1.0f;

// `duration` is the file's length; the last segment ends there.
ContentSummary summarize_content(const std::vector<ContentWindow>& windows, double duration);

// The pieces of summarize_content that following a stream (content_follower.hpp) uses apart:
// the windows after the sustained-sound rule (their class_probabilities weights), and the
// classification given the seconds the segments cover of each class.
std::vector<ContentWindow> with_sustained_sound_as_noise(std::vector<ContentWindow> windows);
ContentClass classification_of(const std::array<double, kContentClassCount>& covered);

}  // namespace earshot::analysis
