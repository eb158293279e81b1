// The formats a content timeline can be written in, their names (the CLI's --format, the
// service's ?format=) and their media types (the service's Content-Type and Accept).
//
//   auto format = timeline::parse_format("rttm");          // std::nullopt for an unknown name
//   auto chosen = timeline::negotiate("text/csv;q=0.9, text/vtt");   // TimelineFormat::vtt
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace earshot::timeline {

enum class TimelineFormat {
  json,      // the whole analysis result (analysis::to_json); not a timeline writer's format
  ndjson,    // one JSON object per segment
  csv,       // a header, then file,start,end,label,background
  audacity,  // Audacity label track: start, end, label separated by tabs
  textgrid,  // Praat TextGrid, long text format, one interval tier
  rttm,      // NIST RTTM: SPEAKER lines for speech, NON-SPEECH lines for music and noise
  vtt,       // WebVTT cues
  srt,       // SubRip cues
};

// Every format, in the order the help text lists them.
std::span<const TimelineFormat> all_formats();

std::string_view name(TimelineFormat format);
std::optional<TimelineFormat> parse_format(std::string_view name);
// "json|ndjson|csv|..." for help texts and error messages.
std::string_view format_names();

// The Content-Type of a document in this format.
std::string_view content_type(TimelineFormat format);

// The format an Accept header asks for: the acceptable media type with the highest quality
// among application/json, application/x-ndjson, text/csv, text/vtt and application/x-subrip
// (the formats with a media type of their own; the others are asked for with ?format=). JSON
// when the header is empty, accepts anything, or names none of these: a client that sends an
// unusual Accept still gets the answer it always got.
TimelineFormat negotiate(std::string_view accept);

// Whether a writer can emit the format a segment at a time, as segments close. A TextGrid
// states its interval count before the first interval, so it needs the whole timeline.
bool streamable(TimelineFormat format);

}  // namespace earshot::timeline
