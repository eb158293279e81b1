#include "timeline/timeline_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>

#include "core/text.hpp"

namespace earshot::timeline {
namespace {

struct FormatInfo {
  TimelineFormat format;
  std::string_view name;
  std::string_view content_type;
  std::string_view accepted_media_type;  // empty: only ?format= asks for it
};

constexpr std::array kFormats = {
    FormatInfo{TimelineFormat::json, "json", "application/json", "application/json"},
    FormatInfo{TimelineFormat::ndjson, "ndjson", "application/x-ndjson", "application/x-ndjson"},
    FormatInfo{TimelineFormat::csv, "csv", "text/csv; charset=utf-8", "text/csv"},
    FormatInfo{TimelineFormat::audacity, "audacity", "text/plain; charset=utf-8", ""},
    FormatInfo{TimelineFormat::textgrid, "textgrid", "text/plain; charset=utf-8", ""},
    FormatInfo{TimelineFormat::rttm, "rttm", "text/plain; charset=utf-8", ""},
    FormatInfo{TimelineFormat::vtt, "vtt", "text/vtt; charset=utf-8", "text/vtt"},
    FormatInfo{TimelineFormat::srt, "srt", "application/x-subrip; charset=utf-8",
               "application/x-subrip"},
};

constexpr std::array kAllFormats = [] {
  std::array<TimelineFormat, kFormats.size()> formats{};
  for (std::size_t i = 0; i < kFormats.size(); ++i) formats[i] = kFormats[i].format;
  return formats;
}();

const FormatInfo& info(TimelineFormat format) {
  return *std::find_if(kFormats.begin(), kFormats.end(),
                       [&](const FormatInfo& entry) { return entry.format == format; });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// One member of an Accept list: its media range and its quality (1 unless q= says otherwise;
// a q that does not parse counts as 0, as if the range were not there).
struct AcceptedRange {
  std::string media_range;
  double quality = 1.0;
};

AcceptedRange parse_range(std::string_view member) {
  AcceptedRange range;
  for (bool first = true;; first = false) {
    const auto semicolon = member.find(';');
    const auto part = trim(member.substr(0, semicolon));
    if (first) {
      range.media_range = core::ascii_lower(part);
    } else if (part.size() > 2 && (part[0] == 'q' || part[0] == 'Q') && part[1] == '=') {
      const auto value = part.substr(2);
      double quality = 0.0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), quality);
      range.quality = error == std::errc() && end == value.data() + value.size() ? quality : 0.0;
    }
    if (semicolon == std::string_view::npos) return range;
    member.remove_prefix(semicolon + 1);
  }
}

}  // namespace

std::span<const TimelineFormat> all_formats() {
  return kAllFormats;
}

std::string_view name(TimelineFormat format) {
  return info(format).name;
}

std::optional<TimelineFormat> parse_format(std::string_view text) {
  const std::string wanted = core::ascii_lower(trim(text));
  for (const FormatInfo& entry : kFormats) {
    if (entry.name == wanted) return entry.format;
  }
  return std::nullopt;
}

std::string_view format_names() {
  static const std::string names = [] {
    std::string joined;
    for (const FormatInfo& entry : kFormats) {
      if (!joined.empty()) joined += '|';
      joined += entry.name;
    }
    return joined;
  }();
  return names;
}

std::string_view content_type(TimelineFormat format) {
  return info(format).content_type;
}

TimelineFormat negotiate(std::string_view accept) {
  TimelineFormat best = TimelineFormat::json;
  double best_quality = 0.0;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const AcceptedRange range = parse_range(accept.substr(0, comma));
    accept.remove_prefix(comma == std::string_view::npos ? accept.size() : comma + 1);
    if (range.quality <= best_quality) continue;
    if (range.media_range == "*/*" || range.media_range == "application/*") {
      best = TimelineFormat::json;
      best_quality = range.quality;
      continue;
    }
    for (const FormatInfo& entry : kFormats) {
      if (!entry.accepted_media_type.empty() && entry.accepted_media_type == range.media_range) {
        best = entry.format;
        best_quality = range.quality;
      }
    }
  }
  return best;
}

bool streamable(TimelineFormat format) {
  return format != TimelineFormat::textgrid;
}

}  // namespace earshot::timeline
