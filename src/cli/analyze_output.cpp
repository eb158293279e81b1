#include "cli/analyze_output.hpp"

#include <nlohmann/json.hpp>
#include <ostream>

namespace earshot::cli {
namespace {

using timeline::TimelineFormat;

std::string dump(const nlohmann::ordered_json& json, bool pretty) {
  // Invalid UTF-8 in a file name is replaced rather than aborting the output.
  return json.dump(pretty ? 2 : -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

timeline::Timeline timeline_of(const analysis::AnalysisResult& result, const std::string& file) {
  timeline::Timeline out{input_id(file), result.info.duration_seconds, {}};
  if (result.content) out.segments = result.content->segments;
  return out;
}

}  // namespace

std::string input_id(const std::string& file) {
  return file == "-" ? std::string("stdin") : timeline::file_id_of(file);
}

nlohmann::ordered_json error_json(const core::Error& error) {
  return {{"code", core::to_string(error.code)}, {"message", error.message}};
}

bool concatenable(TimelineFormat format) {
  return format == TimelineFormat::json || format == TimelineFormat::ndjson ||
         format == TimelineFormat::rttm || format == TimelineFormat::csv;
}

std::string_view extension(TimelineFormat format) {
  switch (format) {
    case TimelineFormat::audacity:
      return "txt";
    case TimelineFormat::textgrid:
      return "TextGrid";
    default:
      return timeline::name(format);
  }
}

std::string render(const analysis::AnalysisResult& result, const std::string& file,
                   TimelineFormat format, bool whole, bool pretty) {
  if (format == TimelineFormat::json) {
    nlohmann::ordered_json line = {{"file", file}};
    line.update(analysis::to_json(result));
    return dump(line, pretty) + '\n';
  }
  const auto timeline = timeline_of(result, file);
  if (whole) return timeline::write_document(format, timeline);
  timeline::TimelineWriter writer(format, timeline.file_id);
  std::string out;
  for (const auto& segment : timeline.segments) out += writer.segment(segment);
  return out;
}

FollowPrinter::FollowPrinter(TimelineFormat format, std::string file, std::ostream& out)
    : format_(format), file_(std::move(file)), out_(out) {
  if (format_ != TimelineFormat::json) {
    writer_.emplace(format_, input_id(file_));
  }
}

void FollowPrinter::begin() {
  if (writer_) out_ << writer_->header() << std::flush;
}

void FollowPrinter::segment(const analysis::ContentSegment& segment) {
  if (writer_) {
    out_ << writer_->segment(segment) << std::flush;
    return;
  }
  nlohmann::ordered_json line{{"event", "segment"}, {"file", file_}};
  line.update(analysis::to_json(segment));
  out_ << dump(line, false) << '\n' << std::flush;
}

void FollowPrinter::summary(const analysis::AnalysisResult& result) {
  if (writer_) return;  // a summary has no place in another tool's format
  nlohmann::ordered_json line{{"event", "summary"}, {"file", file_}};
  line.update(analysis::to_json(result));
  line.erase("segments");  // each was printed as it closed
  out_ << dump(line, false) << '\n' << std::flush;
}

}  // namespace earshot::cli
