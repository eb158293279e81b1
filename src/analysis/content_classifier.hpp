// Content classification of a whole stream as the Analyzer decodes: mono 16 kHz samples in, a
// ContentSummary (class, probabilities, segments) out. The stream is cut into 1 s windows; a
// window whose RMS is below the silence threshold is silence, decided by level. The others
// take the speech / music / noise probabilities of the ContentScorer, which reads chunks of its
// own length (1 s for the shipped model, so one chunk per window; 10 s for an AST, whose
// scores every non-silent window of the chunk shares). Where two consecutive 1 s windows take
// different classes, the three 1 s windows straddling their edge are scored too, so that the
// timeline can place the boundary to the quarter second. A scorer with a context layer gives
// each window an embedding, and finish() runs the layer over them all. Memory: two chunks of
// samples plus about 100 bytes per window of the file, and the embedding (256 bytes) with a
// context layer (one hour: 3600 windows, about 1.3 MB).
//
//   ContentClassifier classifier(ContentScorer::shipped(), -50.0);
//   classifier.add(mono_16k_block);   // repeatedly
//   ContentSummary summary = classifier.finish(duration_seconds);
#pragma once

#include <array>
#include <optional>
#include <span>
#include <vector>

#include "analysis/content_scorer.hpp"
#include "analysis/content_timeline.hpp"

namespace earshot::analysis {

class ContentClassifier {
 public:
  ContentClassifier(const ContentScorer& scorer, double silence_threshold_dbfs);

  void add(std::span<const float> samples);
  // Classifies what is left (a last chunk shorter than the scorer's, whose last window may be
  // under 1 s) and summarises. `duration` is the file's length in seconds.
  ContentSummary finish(double duration);

  // For following a stream (content_follower.hpp), which keeps only the last few seconds:
  // classifies a last chunk shorter than the scorer's; the windows kept so far with their final
  // probabilities (the context layer's, where the scorer has one); and forgetting the oldest
  // `count` windows.
  void flush();
  std::vector<ContentWindow> resolved_windows() const;
  void forget_windows(std::size_t count);
  // Seconds of audio in windows so far.
  double end_seconds() const { return stream_end_; }

 private:
  void classify(std::span<const float> chunk);
  // Scores the windows straddling the edge between the last two windows where their classes
  // differ (ContentWindow::straddling), and keeps this chunk for the next edge.
  void score_straddling(std::span<const float> chunk);

  const ContentScorer& scorer_;
  double silence_threshold_dbfs_;
  std::vector<float> pending_;  // samples of the chunk being filled
  std::vector<ContentWindow> windows_;
  double stream_end_ = 0.0;  // seconds: where the next window starts
  // Each window's embedding when the scorer has a context layer (empty where silent), which
  // finish() turns into the windows' final probabilities.
  std::vector<std::vector<float>> embeddings_;
  // The last window's samples while it sounded and was a whole second, for the straddling
  // windows of the next edge.
  std::vector<float> previous_window_;
  // The band shape of the window before, while it sounded (for ContentWindow::spectral_change).
  std::optional<std::array<float, kBandShapeSize>> previous_band_shape_;
};

}  // namespace earshot::analysis
