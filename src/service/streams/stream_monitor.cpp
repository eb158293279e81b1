#include "service/streams/stream_monitor.hpp"

#include "service/streams/byte_queue.hpp"

namespace earshot::service {
namespace {

// Bytes of the stream held between the download and the decoder: a minute of 128 kb/s MP3.
constexpr std::size_t kQueueBytes = 1 << 20;

}  // namespace

struct StreamMonitor::Queue {
  ByteQueue bytes{kQueueBytes};
};

StreamMonitor::StreamMonitor(std::string id, StreamRequest request, StreamParts parts)
    : id_(std::move(id)),
      request_(std::move(request)),
      parts_(std::move(parts)),
      deadline_(std::chrono::steady_clock::now() +
                (request_.started_at + request_.max_seconds - std::chrono::system_clock::now())),
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
      [this](analysis::ContentSegment segment) {
        segment.start += request_.offset_seconds;
        segment.end += request_.offset_seconds;
        {
          std::lock_guard lock(mutex_);
          segments_.push_back(segment);
        }
        if (parts_.on_segment) parts_.on_segment(segment);
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
    (void)parts_.callbacks->send(*request_.callback_url, state_json(true).dump());
  }
  if (parts_.on_end) parts_.on_end(reason);
}

StreamState StreamMonitor::state() const {
  std::lock_guard lock(mutex_);
  StreamState state;
  state.id = id_;
  state.url = request_.url;
  state.state = !ended_ ? "running" : result_ ? "finished" : "failed";
  state.reason = reason_;
  if (error_) state.error = error_->message;
  state.started_at = request_.started_at;
  if (ended_) state.ended_at = ended_at_;
  state.max_seconds = request_.max_seconds.count();
  state.seconds = segments_.empty() ? request_.offset_seconds : segments_.back().end;
  if (result_) {
    auto analysis = analysis::to_json(*result_);
    state.seconds = request_.offset_seconds + analysis["duration"].get<double>();
    state.classification = analysis["classification"];
    state.class_probabilities = analysis["class_probabilities"];
  }
  return state;
}

nlohmann::ordered_json StreamMonitor::state_json(bool with_segments) const {
  auto json = to_json(state());
  if (with_segments) {
    auto segments = nlohmann::ordered_json::array();
    std::lock_guard lock(mutex_);
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
      text += sse_event("segment", next, analysis::to_json(segments_[next]));
    }
    if (ended_) {
      give_end = true;
      ++next;
    }
  }
  if (give_end) text += sse_event("end", std::nullopt, state_json(false));
  return text;
}

}  // namespace earshot::service
