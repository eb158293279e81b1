// Content classification of a whole stream, one 1 s window at a time, as the Analyzer decodes:
// mono 16 kHz samples in, a ContentSummary (class, probabilities, segments) out. A window whose
// RMS is below the silence threshold is silence, decided by level; any other goes through
// content-features-v1 and the ContentModel. Memory: under one window of samples plus a few
// bytes per window of the file (one hour: 3600 windows, about 100 KB).
//
//   ContentClassifier classifier(ContentModel::shipped(), -50.0);
//   classifier.add(mono_16k_block);   // repeatedly
//   ContentSummary summary = classifier.finish(duration_seconds);
#pragma once

#include <span>
#include <vector>

#include "analysis/content_model.hpp"
#include "analysis/content_timeline.hpp"

namespace earshot::analysis {

class ContentClassifier {
 public:
  ContentClassifier(const ContentModel& model, double silence_threshold_dbfs);

  void add(std::span<const float> samples);
  // Classifies what is left (a last window shorter than 1 s, zero-padded for the features) and
  // summarises. `duration` is the file's length in seconds.
  ContentSummary finish(double duration);

 private:
  void classify(std::span<const float> samples);

  const ContentModel& model_;
  double silence_threshold_dbfs_;
  std::vector<float> pending_;   // samples of the window being filled
  std::vector<float> features_;  // scratch
  std::vector<ContentWindow> windows_;
};

}  // namespace earshot::analysis
