#include "service/streams/stream_monitor.hpp"

#include <ctime>

#include "service/streams/byte_queue.hpp"

namespace earshot::service {
namespace {

// Bytes of the stream held between the download and the decoder: a minute of 128 kb/s MP3.
constexpr std::size_t kQueueBytes = 1 << 20;

std::string iso_time(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string event(std::string_view name, std::optional<std::size_t> id,
                  const nlohmann::ordered_json& data) {
  std::string text = "event: " + std::string(name) + "\n";
  if (id) text += "id: " + std::to_string(*id) + "\n";
  return text + "data: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n\n";
}

}  // namespace

struct StreamMonitor::Queue {
  ByteQueue bytes{kQueueBytes};
};

StreamMonitor::StreamMonitor(std::string id, StreamRequest request, StreamParts parts)
    : id_(std::move(id)),
      request_(std::move(request)),
      parts_(std::move(parts)),
      deadline_(std::chrono::steady_clock::now() + request_.max_seconds),
      queue_(std::make_unique<Queue>()),
      thread_([this] { run(); }) {}

StreamMonitor::~StreamMonitor() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void StreamMonitor::stop() {
  deleted_ = true;
  stop_requested_ = true;
  queue_->bytes.close();
}

bool StreamMonitor::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

void StreamMonitor::download() {
  const auto should_stop = [this] {
    return stop_requested_ || std::chrono::steady_clock::now() >= deadline_;
  };
  const auto status = parts_.fetcher->follow(
      request_.url,
      [this](std::span<const std::uint8_t> bytes) { return queue_->bytes.push(bytes); },
      should_stop, parts_.idle_timeout);
  if (!status) {
    std::lock_guard lock(mutex_);
    download_error_ = status.error();
  }
  queue_->bytes.close();
}

void StreamMonitor::run() {
  std::jthread downloader([this] { download(); });
  auto result = parts_.analyzer.analyze_stream(
      [this](std::uint8_t* out, int size) { return queue_->bytes.pop(out, size); }, {},
      [this](const analysis::ContentSegment& segment) {
        std::lock_guard lock(mutex_);
        segments_.push_back(segment);
      });
  queue_->bytes.close();  // the decoder gave up: the download stops at its next push
  stop_requested_ = true;
  downloader.join();

  std::optional<core::Error> download_error;
  {
    std::lock_guard lock(mutex_);
    download_error = download_error_;
  }
  const bool deadline = std::chrono::steady_clock::now() >= deadline_;
  std::string reason;
  if (download_error && !result) {
    // Nothing could be decoded because the download failed (refused, 404, not audio).
    finish("error", download_error, std::nullopt);
    return;
  }
  if (!result) {
    finish("error", result.error(), std::nullopt);
    return;
  }
  if (download_error) {
    reason = download_error->message.starts_with(Fetcher::kStalled) ? "idle" : "source_error";
  } else if (deleted_) {
    reason = "stopped";
  } else if (deadline) {
    reason = "max_seconds";
  } else {
    reason = "source_ended";
  }
  finish(std::move(reason), download_error, std::move(*result));
}

void StreamMonitor::finish(std::string reason, std::optional<core::Error> error,
                           std::optional<analysis::AnalysisResult> result) {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    reason_ = reason;
    error_ = std::move(error);
    result_ = std::move(result);
    ended_at_ = std::chrono::system_clock::now();
  }
  if (request_.callback_url && parts_.callbacks) {
    (void)parts_.callbacks->send(*request_.callback_url, state(true).dump());
  }
  if (parts_.on_end) parts_.on_end(reason);
}

nlohmann::ordered_json StreamMonitor::state(bool with_segments) const {
  std::lock_guard lock(mutex_);
  const bool failed = ended_ && !result_;
  nlohmann::ordered_json json{
      {"id", id_},
      {"url", request_.url},
      {"state", !ended_  ? "running"
                : failed ? "failed"
                         : "finished"},
      {"reason", ended_ ? nlohmann::ordered_json(reason_) : nullptr},
      {"error", error_ ? nlohmann::ordered_json(error_->message) : nullptr},
      {"started_at", iso_time(started_at_)},
      {"ended_at", ended_ ? nlohmann::ordered_json(iso_time(ended_at_)) : nullptr},
      {"max_seconds", request_.max_seconds.count()},
      {"seconds", segments_.empty() ? 0.0 : segments_.back().end},
  };
  if (result_) {
    auto analysis = analysis::to_json(*result_);
    json["seconds"] = analysis["duration"];
    json["classification"] = analysis["classification"];
    json["class_probabilities"] = analysis["class_probabilities"];
  }
  if (with_segments) {
    auto segments = nlohmann::ordered_json::array();
    for (const auto& segment : segments_) segments.push_back(analysis::to_json(segment));
    json["segments"] = std::move(segments);
  }
  return json;
}

std::optional<std::string> StreamMonitor::events(std::size_t& next) const {
  std::string text;
  bool give_end = false;
  {
    std::lock_guard lock(mutex_);
    if (ended_ && next > segments_.size()) return std::nullopt;  // the end was given
    for (; next < segments_.size(); ++next) {
      text += event("segment", next, analysis::to_json(segments_[next]));
    }
    if (ended_) {
      give_end = true;
      ++next;
    }
  }
  if (give_end) text += event("end", std::nullopt, state(false));
  return text;
}

}  // namespace earshot::service
