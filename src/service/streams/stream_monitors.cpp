#include "service/streams/stream_monitors.hpp"

#include <algorithm>
#include <limits>
#include <thread>

#include "service/jobs/jobs.hpp"

namespace earshot::service {
namespace {

// The events of one of this process's monitors; the monitor lives as long as a client reads
// them.
class MonitorEvents final : public BodySource {
 public:
  MonitorEvents(std::shared_ptr<StreamMonitor> monitor, std::size_t first)
      : monitor_(std::move(monitor)), next_(first) {}
  std::optional<std::string> next() override { return monitor_->events(next_); }

 private:
  std::shared_ptr<StreamMonitor> monitor_;
  std::size_t next_;
};

}  // namespace

core::Status check_stream_request(const StreamRequest& request, std::chrono::seconds limit) {
  if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
    return core::Error{core::ErrorCode::invalid_input, "Only http and https URLs are accepted"};
  }
  if (request.max_seconds.count() <= 0 || request.max_seconds > limit) {
    return core::Error{core::ErrorCode::invalid_input,
                       "max_seconds must be between 1 and " + std::to_string(limit.count())};
  }
  return {};
}

StreamParts monitor_parts(const StreamOptions& options, std::shared_ptr<const Fetcher> fetcher,
                          std::shared_ptr<const CallbackSender> callbacks,
                          std::shared_ptr<ServiceMetrics> metrics) {
  // A live stream has no length to check against: only the deadline ends it.
  analysis::AnalyzerOptions analyzer;
  analyzer.limits.max_duration_seconds = std::numeric_limits<double>::infinity();
  analyzer.limits.max_decoded_samples = std::numeric_limits<std::int64_t>::max();
  analyzer.content.silence_threshold_dbfs = options.silence_threshold_dbfs;
  StreamParts parts{std::move(fetcher), std::move(callbacks), analysis::Analyzer(analyzer),
                    options.idle_timeout};
  parts.on_end = [metrics = std::move(metrics)](std::string_view reason) {
    metrics->streams_active.add(-1);
    metrics->streams.add({std::string(reason)});
  };
  return parts;
}

core::Result<std::shared_ptr<StreamMonitors>> StreamMonitors::create(
    StreamOptions options, std::shared_ptr<ServiceMetrics> metrics) {
  auto fetcher = Fetcher::create(options.fetch);
  if (!fetcher) return fetcher.error();
  return std::shared_ptr<StreamMonitors>(
      new StreamMonitors(std::move(options), std::move(metrics),
                         std::make_shared<const Fetcher>(std::move(*fetcher))));
}

StreamMonitors::StreamMonitors(StreamOptions options, std::shared_ptr<ServiceMetrics> metrics,
                               std::shared_ptr<const Fetcher> fetcher)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      fetcher_(std::move(fetcher)),
      callbacks_(std::make_shared<const CallbackSender>(options_.callback)) {}

StreamMonitors::~StreamMonitors() {
  std::lock_guard lock(mutex_);
  for (auto& [id, monitor] : monitors_) monitor->stop();
}

core::Result<nlohmann::ordered_json> StreamMonitors::start(StreamRequest request) {
  if (auto checked = check_stream_request(request, options_.max_seconds); !checked) {
    return checked.error();
  }
  std::lock_guard lock(mutex_);
  forget_old_ended();
  if (running_locked() >= options_.max_streams) {
    return core::Error{core::ErrorCode::unavailable,
                       "Too many streams: " + std::to_string(options_.max_streams) +
                           " are being followed (MAX_STREAMS)"};
  }
  metrics_->streams_active.add(1);
  metrics_->streams.add({"started"});
  const std::string id = new_job_id();
  auto monitor = std::make_shared<StreamMonitor>(
      id, std::move(request), monitor_parts(options_, fetcher_, callbacks_, metrics_));
  monitors_[id] = monitor;
  return monitor->state_json(false);
}

std::shared_ptr<StreamMonitor> StreamMonitors::monitor(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = monitors_.find(id);
  return found == monitors_.end() ? nullptr : found->second;
}

core::Result<std::optional<nlohmann::ordered_json>> StreamMonitors::find(const std::string& id) {
  auto found = monitor(id);
  if (!found) return std::optional<nlohmann::ordered_json>();
  return std::optional(found->state_json(true));
}

core::Result<std::shared_ptr<BodySource>> StreamMonitors::events(const std::string& id,
                                                                 std::size_t first) {
  auto found = monitor(id);
  if (!found) return std::shared_ptr<BodySource>();
  return std::shared_ptr<BodySource>(std::make_shared<MonitorEvents>(std::move(found), first));
}

core::Result<std::optional<nlohmann::ordered_json>> StreamMonitors::stop(const std::string& id) {
  auto found = monitor(id);
  if (!found) return std::optional<nlohmann::ordered_json>();
  found->stop();
  const auto give_up = std::chrono::steady_clock::now() + kStreamStopWait;
  while (!found->ended() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::optional(found->state_json(true));
}

std::size_t StreamMonitors::running() const {
  std::lock_guard lock(mutex_);
  return running_locked();
}

std::size_t StreamMonitors::running_locked() const {
  std::size_t count = 0;
  for (const auto& [id, monitor] : monitors_) count += monitor->ended() ? 0 : 1;
  return count;
}

void StreamMonitors::forget_old_ended() {
  for (const auto& [id, monitor] : monitors_) {
    if (monitor->ended() &&
        std::find(ended_order_.begin(), ended_order_.end(), id) == ended_order_.end()) {
      ended_order_.push_back(id);
    }
  }
  while (ended_order_.size() > options_.kept_ended) {
    monitors_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

}  // namespace earshot::service
