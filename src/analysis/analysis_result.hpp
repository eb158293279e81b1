// What earshot says about one piece of audio. Serialised by to_json, this object is the
// `data` member of the HTTP API's answer and one line of `earshot analyze`.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/content_timeline.hpp"
#include "analysis/overview.hpp"
#include "audio/audio_info.hpp"
#include "dsp/levels/signal_stats.hpp"

namespace earshot::analysis {

struct AnalysisResult {
  audio::AudioInfo info;
  dsp::SignalStats stats;
  int decode_errors = 0;                  // corrupt packets skipped while decoding
  std::vector<std::string> warnings;      // e.g. a truncated file; empty for a clean one
  std::optional<ContentSummary> content;  // absent when classification is turned off
  std::optional<AudioOverview> overview;  // present when asked for (OverviewOptions)
};

// Field names and meanings are documented in docs/analysis.md. `duration` is rounded to two
// decimals, as the service earshot replaces did; levels that are -infinity (silence) are null.
nlohmann::ordered_json to_json(const AnalysisResult& result);
// One member of "segments": start and end in seconds (two decimals), label, and "background":
// "music" for speech with music under it.
nlohmann::ordered_json to_json(const ContentSegment& segment);

}  // namespace earshot::analysis
