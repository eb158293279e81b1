#include "timeline/timeline_writer.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/analysis_result.hpp"

namespace earshot::timeline {
namespace {

using analysis::ContentClass;
using analysis::ContentSegment;

std::string fixed(double seconds, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, seconds);
  return text;
}

std::string seconds_text(double seconds) {
  return fixed(seconds, 3);
}

// "HH:MM:SS.mmm" (WebVTT) or "HH:MM:SS,mmm" (SRT).
std::string clock_time(double seconds, char decimal_separator) {
  const auto millis = static_cast<long long>(std::llround(std::max(seconds, 0.0) * 1000.0));
  char text[48];
  std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld%c%03lld", millis / 3'600'000,
                millis / 60'000 % 60, millis / 1000 % 60, decimal_separator, millis % 1000);
  return text;
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

// Praat's long text format doubles quotes inside a string.
std::string praat_string(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string rttm_line(std::string_view type, std::string_view file_id, const ContentSegment& s,
                      std::string_view subtype, std::string_view name) {
  std::string line(type);
  line += ' ';
  line += file_id;
  line += " 1 " + seconds_text(s.start) + ' ' + seconds_text(s.end - s.start) + " <NA> ";
  line += subtype;
  line += ' ';
  line += name;
  line += " <NA> <NA>\n";
  return line;
}

std::string rttm_lines(std::string_view file_id, const ContentSegment& segment) {
  switch (segment.label) {
    case ContentClass::speech: {
      std::string lines = rttm_line("SPEAKER", file_id, segment, "<NA>", "speech");
      if (segment.music_under_speech) {
        lines += rttm_line("NON-SPEECH", file_id, segment, "music", "music");
      }
      return lines;
    }
    case ContentClass::music:
      return rttm_line("NON-SPEECH", file_id, segment, "music", "music");
    case ContentClass::noise:
      return rttm_line("NON-SPEECH", file_id, segment, "noise", "noise");
    case ContentClass::silence:
      return {};
  }
  return {};
}

std::string textgrid(const Timeline& timeline) {
  const std::string xmax = seconds_text(timeline.duration);
  std::string out =
      "File type = \"ooTextFile\"\n"
      "Object class = \"TextGrid\"\n"
      "\n"
      "xmin = 0\n"
      "xmax = " +
      xmax +
      "\n"
      "tiers? <exists>\n"
      "size = 1\n"
      "item []:\n"
      "    item [1]:\n"
      "        class = \"IntervalTier\"\n"
      "        name = \"content\"\n"
      "        xmin = 0\n"
      "        xmax = " +
      xmax + "\n";
  // Praat wants intervals that tile the tier: each starts where the one before ended, the last
  // ends at xmax, and none is empty. Times are written as they will be read, so that they match.
  std::vector<ContentSegment> intervals;
  for (const ContentSegment& segment : timeline.segments) {
    if (seconds_text(segment.end) == seconds_text(segment.start)) continue;
    intervals.push_back(segment);
  }
  if (intervals.empty() && timeline.duration > 0.0) {
    intervals.push_back(ContentSegment{0.0, timeline.duration, ContentClass::silence, false});
  }
  out += "        intervals: size = " + std::to_string(intervals.size()) + "\n";
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const double start = i == 0 ? 0.0 : intervals[i - 1].end;
    const double end = i + 1 == intervals.size() ? timeline.duration : intervals[i].end;
    out += "        intervals [" + std::to_string(i + 1) + "]:\n";
    out += "            xmin = " + seconds_text(start) + "\n";
    out += "            xmax = " + seconds_text(end) + "\n";
    out += "            text = " + praat_string(label_text(intervals[i])) + "\n";
  }
  return out;
}

}  // namespace

std::string_view label_text(const ContentSegment& segment) {
  if (segment.label == ContentClass::speech && segment.music_under_speech) return "speech+music";
  return analysis::to_string(segment.label);
}

TimelineWriter::TimelineWriter(TimelineFormat format, std::string file_id)
    : format_(format), file_id_(std::move(file_id)) {
  if (format == TimelineFormat::json || !streamable(format)) {
    throw std::invalid_argument("TimelineWriter: not a segment-at-a-time format");
  }
}

std::string TimelineWriter::header() const {
  switch (format_) {
    case TimelineFormat::csv:
      return "file,start,end,label,background\n";
    case TimelineFormat::vtt:
      return "WEBVTT\n\n";
    default:
      return {};
  }
}

std::string TimelineWriter::segment(const ContentSegment& segment) {
  if (segment.end <= segment.start) return {};
  const bool sound = segment.label != ContentClass::silence;
  switch (format_) {
    case TimelineFormat::ndjson: {
      nlohmann::ordered_json line{{"file", file_id_}};
      line.update(analysis::to_json(segment));
      return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
    }
    case TimelineFormat::csv:
      return csv_field(file_id_) + ',' + seconds_text(segment.start) + ',' +
             seconds_text(segment.end) + ',' + std::string(analysis::to_string(segment.label)) +
             ',' + (segment.music_under_speech ? "music" : "") + '\n';
    case TimelineFormat::audacity:
      return fixed(segment.start, 6) + '\t' + fixed(segment.end, 6) + '\t' +
             std::string(label_text(segment)) + '\n';
    case TimelineFormat::rttm:
      return rttm_lines(file_id_, segment);
    case TimelineFormat::vtt:
      if (!sound) return {};
      return clock_time(segment.start, '.') + " --> " + clock_time(segment.end, '.') + '\n' +
             std::string(label_text(segment)) + "\n\n";
    case TimelineFormat::srt:
      if (!sound) return {};
      return std::to_string(++cue_number_) + '\n' + clock_time(segment.start, ',') + " --> " +
             clock_time(segment.end, ',') + '\n' + std::string(label_text(segment)) + "\n\n";
    case TimelineFormat::json:
    case TimelineFormat::textgrid:
      break;
  }
  return {};
}

std::string write_document(TimelineFormat format, const Timeline& timeline) {
  if (format == TimelineFormat::textgrid) return textgrid(timeline);
  TimelineWriter writer(format, timeline.file_id);
  std::string out = writer.header();
  for (const ContentSegment& segment : timeline.segments) out += writer.segment(segment);
  return out;
}

core::Result<Timeline> timeline_of(const nlohmann::json& result, std::string file_id) {
  const auto segments = result.find("segments");
  const auto duration = result.find("duration");
  if (segments == result.end() || !segments->is_array() || duration == result.end() ||
      !duration->is_number()) {
    return core::Error{core::ErrorCode::invalid_input,
                       "the result has no timeline (content classification is off)"};
  }
  Timeline timeline{std::move(file_id), duration->get<double>(), {}};
  for (const auto& item : *segments) {
    ContentSegment segment;
    segment.start = item.at("start").get<double>();
    segment.end = item.at("end").get<double>();
    const auto label = item.at("label").get<std::string>();
    for (std::size_t c = 0; c < analysis::kContentClassCount; ++c) {
      if (analysis::to_string(static_cast<ContentClass>(c)) == label) {
        segment.label = static_cast<ContentClass>(c);
      }
    }
    segment.music_under_speech = item.value("background", "") == "music";
    timeline.segments.push_back(segment);
  }
  return timeline;
}

std::string file_id_of(std::string_view path_or_url) {
  path_or_url = path_or_url.substr(0, path_or_url.find_first_of("?#"));
  while (path_or_url.ends_with('/')) path_or_url.remove_suffix(1);
  const auto slash = path_or_url.find_last_of("/\\");
  if (slash != std::string_view::npos) path_or_url.remove_prefix(slash + 1);
  const auto dot = path_or_url.rfind('.');
  if (dot != std::string_view::npos && dot > 0) path_or_url = path_or_url.substr(0, dot);
  std::string id;
  for (const char c : path_or_url) {
    const auto byte = static_cast<unsigned char>(c);
    id += std::isspace(byte) || std::iscntrl(byte) ? '_' : c;
  }
  return id.empty() ? "audio" : id;
}

}  // namespace earshot::timeline
