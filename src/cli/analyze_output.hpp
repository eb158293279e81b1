// How `earshot analyze` writes one input's result in the chosen --format: the JSON line it
// always wrote, or the timeline in another tool's format (timeline/timeline_writer.hpp); and,
// with --follow, each segment as it closes.
#pragma once

#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "analysis/analysis_result.hpp"
#include "timeline/timeline_writer.hpp"

namespace earshot::cli {

// The name an input goes by in the timeline formats and --output-dir: "stdin" for "-",
// otherwise timeline::file_id_of(file).
std::string input_id(const std::string& file);

// {"code", "message"} of a failed input.
nlohmann::ordered_json error_json(const core::Error& error);

// Formats whose documents can follow one another on one output: JSON Lines, ndjson, RTTM, and
// CSV under one header. The others (Audacity labels, TextGrid, WebVTT, SRT) hold one input.
bool concatenable(timeline::TimelineFormat format);

// The file name extension of a document in `format`, for --output-dir: "json", "csv", "txt"
// (Audacity's labels), "TextGrid", "rttm", "vtt", "srt", "ndjson".
std::string_view extension(timeline::TimelineFormat format);

// One input's result in `format`: for json the object of analysis::to_json after "file"; for
// the others the timeline, whole (`whole`: with the header, for a document of its own) or
// only its segments (one of several inputs under a header printed once).
std::string render(const analysis::AnalysisResult& result, const std::string& file,
                   timeline::TimelineFormat format, bool whole, bool pretty);

// --follow: each segment as it closes, in the format's own lines; for json, one
// {"event": "segment", "file", "start", "end", "label"[, "background"]} line each and, at
// the end, {"event": "summary", "file", ...} with the result's other members.
class FollowPrinter {
 public:
  FollowPrinter(timeline::TimelineFormat format, std::string file, std::ostream& out);
  void begin();
  void segment(const analysis::ContentSegment& segment);
  void summary(const analysis::AnalysisResult& result);

 private:
  timeline::TimelineFormat format_;
  std::string file_;
  std::ostream& out_;
  std::optional<timeline::TimelineWriter> writer_;  // all formats but json
};

}  // namespace earshot::cli
