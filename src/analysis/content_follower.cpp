#include "analysis/content_follower.hpp"

#include <algorithm>

namespace earshot::analysis {
namespace {

// Window starts are whole seconds; segment edges are quarters of one. Far below both.
constexpr double kEpsilon = 1e-6;

}  // namespace

ContentFollower::ContentFollower(const ContentScorer& scorer, double silence_threshold_dbfs)
    : classifier_(scorer, silence_threshold_dbfs) {
  // A window's label reads the final probabilities of the windows up to two after it (the
  // neighbour average, then the rule for a lone window), the context layer reads `context`
  // windows beyond those, and the sustained-sound rule the spectral change two windows beyond
  // them. So the label of window i is final once window i + max(context + 2, 4) is in; one more
  // window makes the edge after it final.
  const std::size_t context = scorer.context() ? scorer.context()->windows_each_side() : 0;
  lag_windows_ = std::max<std::size_t>(context + 2, 4) + 1;
}

double ContentFollower::max_delay_seconds() const {
  // A segment is given out once every window up to lag_windows() + 1 past the whole second
  // at or after its end is in (settle), and a window is in only when its second has arrived.
  return static_cast<double>(lag_windows_) + 2.0;
}

std::vector<ContentSegment> ContentFollower::add(std::span<const float> samples) {
  classifier_.add(samples);
  if (classifier_.end_seconds() == settled_at_) return {};  // no new window
  settled_at_ = classifier_.end_seconds();
  return settle(false, 0.0);
}

std::vector<ContentSegment> ContentFollower::finish(double duration) {
  classifier_.flush();
  auto segments = settle(true, duration);
  constexpr auto kSilence = static_cast<std::size_t>(ContentClass::silence);
  for (std::size_t c = 0; c < kContentClassCount; ++c) {
    // Nothing heard at all is silence, as a whole file of nothing is.
    summary_.probabilities[c] = weighed_seconds_ > 0.0 ? probability_mass_[c] / weighed_seconds_
                                                       : (c == kSilence ? 1.0 : 0.0);
  }
  summary_.classification = classification_of(covered_);
  return segments;
}

std::vector<ContentSegment> ContentFollower::settle(bool final, double duration) {
  std::vector<ContentSegment> out;
  const std::vector<ContentWindow> windows = classifier_.resolved_windows();
  const std::size_t count = windows.size();
  // Windows are kept from `keep` windows before the first one whose label can still change, so
  // that the labels from there on are those the whole stream would give.
  const std::size_t keep = lag_windows_ + 2;
  if (!final && count <= lag_windows_ + 1) return out;

  // Segments that end by `horizon` are final (see max_delay_seconds).
  const double horizon = final ? duration : windows[count - lag_windows_ - 1].start;
  // Labels near the first kept window lack the windows before it; none of them is given out
  // again (given_out_until_), and none before `keep` windows in is trusted.
  const bool forgot_some = !windows.empty() && windows.front().start > kEpsilon;
  const double trusted_from =
      forgot_some ? std::max(given_out_until_, windows[std::min(keep, count - 1)].start)
                  : given_out_until_;

  const ContentSummary buffer = summarize_content(windows, 0.0);
  for (const ContentSegment& segment : buffer.segments) {
    if (!final && segment.end > horizon + kEpsilon) break;
    if (segment.end <= trusted_from + kEpsilon) continue;
    ContentSegment closed = segment;
    closed.start = given_out_until_;
    if (final && &segment == &buffer.segments.back()) closed.end = std::max(duration, closed.start);
    if (closed.end - closed.start <= kEpsilon) continue;
    covered_[static_cast<std::size_t>(closed.label)] += closed.end - closed.start;
    given_out_until_ = closed.end;
    out.push_back(closed);
  }
  if (final && duration > given_out_until_ + kEpsilon) {
    // Nothing was decoded after the last segment given out (or at all): silence to the end.
    const ContentSegment rest{given_out_until_, duration, ContentClass::silence, false};
    covered_[static_cast<std::size_t>(ContentClass::silence)] += rest.end - rest.start;
    given_out_until_ = duration;
    out.push_back(rest);
  }

  // The class probabilities weigh each window once, when it is final.
  const auto weighed = with_sustained_sound_as_noise(windows);
  for (const ContentWindow& window : weighed) {
    if (window.start < weighed_until_ - kEpsilon) continue;
    if (!final && window.end > horizon + kEpsilon) break;
    const double length = window.end - window.start;
    if (window.silent) {
      probability_mass_[static_cast<std::size_t>(ContentClass::silence)] += length;
    } else {
      for (std::size_t c = 0; c < 3; ++c) probability_mass_[c] += length * window.probabilities[c];
    }
    weighed_seconds_ += length;
    weighed_until_ = window.end;
  }

  if (!final) {
    const std::size_t first_open = count - lag_windows_ - 1;
    classifier_.forget_windows(first_open > keep ? first_open - keep : 0);
  }
  return out;
}

}  // namespace earshot::analysis
