// Content classification of a stream of any length, segment by segment as they become final:
// mono 16 kHz samples in, closed segments out, with memory that does not grow with the stream.
//
// Every rule of the timeline (content_timeline.hpp) and the context layer read a few windows on
// each side, so a window's label is final once `lag_windows()` later windows are in, and a
// segment is final once the window after its end is. The follower keeps only the windows that
// can still change or that later windows read (about a dozen seconds) and runs the same
// summarize_content over them as the whole-file path does, so a followed stream and the same
// audio as a file give the same segments. A segment is given out at most max_delay_seconds()
// after its end (6.75 s for the shipped model, whose context reads 2 s on each side).
//
//   ContentFollower follower(ContentScorer::shipped(), -50.0);
//   for (auto& segment : follower.add(mono_16k_block)) print(segment);   // repeatedly
//   for (auto& segment : follower.finish(duration)) print(segment);
//   ContentSummary summary = follower.summary();   // class and probabilities; no segments
#pragma once

#include <array>
#include <span>
#include <vector>

#include "analysis/content_classifier.hpp"
#include "analysis/content_timeline.hpp"

namespace earshot::analysis {

class ContentFollower {
 public:
  ContentFollower(const ContentScorer& scorer, double silence_threshold_dbfs);

  // The segments that became final with these samples, in order; each starts where the one
  // before ended (the first at 0).
  std::vector<ContentSegment> add(std::span<const float> samples);
  // The end of the stream, `duration` seconds long: the segments still open, the last ending
  // at `duration`.
  std::vector<ContentSegment> finish(double duration);
  // The whole stream's classification and class probabilities, after finish(); its segments
  // are empty (they were given out as they closed).
  const ContentSummary& summary() const { return summary_; }

  // How many windows after a window must be in before its label is final.
  std::size_t lag_windows() const { return lag_windows_; }
  // The most seconds between a segment's end and the add() that gives it out.
  double max_delay_seconds() const;

 private:
  // Gives out the segments that end before `horizon` seconds (all, when `final`), then forgets
  // the windows that later labels no longer read.
  std::vector<ContentSegment> settle(bool final, double duration);

  ContentClassifier classifier_;
  std::size_t lag_windows_ = 0;
  double settled_at_ = 0.0;       // seconds of audio in windows at the last settle
  double given_out_until_ = 0.0;  // seconds: the end of the last segment given out
  double weighed_until_ = 0.0;    // seconds: windows before this are in the probabilities
  std::array<double, kContentClassCount> probability_mass_{};  // seconds x probability
  double weighed_seconds_ = 0.0;
  std::array<double, kContentClassCount> covered_{};  // seconds of each class given out
  ContentSummary summary_;
};

}  // namespace earshot::analysis
