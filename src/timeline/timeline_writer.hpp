// Writes a content timeline in the formats other tools read (timeline_format.hpp), whole or a
// segment at a time as segments close. Labels are those of the JSON result: "speech", "music",
// "noise", "silence", and "speech+music" where music plays under speech. Times are seconds to
// the millisecond (Audacity: to the microsecond, as Audacity writes them).
//
//   csv       file,start,end,label,background    (a header; background is "music" or empty)
//   audacity  start<TAB>end<TAB>label            (Audacity: File > Import > Labels)
//   textgrid  a Praat TextGrid in the long text format, one interval tier "content" covering
//             the file, an interval per segment
//   rttm      SPEAKER <file> 1 <start> <duration> <NA> <NA> speech <NA> <NA> for speech, and
//             NON-SPEECH <file> 1 <start> <duration> <NA> <music|noise> <music|noise> <NA> <NA>
//             for music and noise (RT-09's NON-SPEECH type and subtypes; the name field repeats
//             the class for readers that read only it, such as dscore and pyannote). Speech with
//             music under it is a SPEAKER line and a NON-SPEECH music line over the same time.
//             Silence is the absence of lines.
//   vtt, srt  a cue per sounding segment (silence has none), its label as the text
//   ndjson    {"file", "start", "end", "label"[, "background"]} per segment, a line each
//
//   TimelineWriter writer(TimelineFormat::csv, "talk");
//   out << writer.header();
//   for (const auto& segment : segments) out << writer.segment(segment);
//   // or, whole: out << write_document(TimelineFormat::textgrid, timeline);
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/content_timeline.hpp"
#include "core/result.hpp"
#include "timeline/timeline_format.hpp"

namespace earshot::timeline {

struct Timeline {
  std::string file_id;  // names the audio in CSV, RTTM, ndjson lines and the TextGrid's file
  double duration = 0.0;
  std::vector<analysis::ContentSegment> segments;  // in order, covering 0 .. duration
};

class TimelineWriter {
 public:
  // `format` is any but json and textgrid (streamable and a timeline format).
  TimelineWriter(TimelineFormat format, std::string file_id);

  // What comes before the first segment: the CSV header, or "WEBVTT" and a blank line; empty
  // for the other formats.
  std::string header() const;
  // One segment's lines; empty for silence where the format lists only sound (RTTM, WebVTT,
  // SRT) and for a segment of no length.
  std::string segment(const analysis::ContentSegment& segment);

 private:
  TimelineFormat format_;
  std::string file_id_;
  int cue_number_ = 0;  // SRT numbers its cues from 1
};

// The whole document: header and segments, or the TextGrid. `format` is not json.
std::string write_document(TimelineFormat format, const Timeline& timeline);

// "speech", "music", "noise", "silence" or "speech+music".
std::string_view label_text(const analysis::ContentSegment& segment);

// The timeline of an analysis result's JSON (analysis::to_json: "duration" and "segments").
// invalid_input when the result has no segments (classification was off).
core::Result<Timeline> timeline_of(const nlohmann::json& result, std::string file_id);

// A name for the audio at `path_or_url` fit for every format: the last path component without
// its extension (and without a URL's query), whitespace and control characters replaced by
// '_'; "audio" when nothing is left.
std::string file_id_of(std::string_view path_or_url);

}  // namespace earshot::timeline
