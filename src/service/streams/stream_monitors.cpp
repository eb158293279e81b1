#include "service/streams/stream_monitors.hpp"

#include <algorithm>
#include <limits>

#include "service/jobs/jobs.hpp"

namespace earshot::service {

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

core::Result<std::shared_ptr<StreamMonitor>> StreamMonitors::start(StreamRequest request) {
  if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
    return core::Error{core::ErrorCode::invalid_input, "Only http and https URLs are accepted"};
  }
  if (request.max_seconds.count() <= 0 || request.max_seconds > options_.max_seconds) {
    return core::Error{
        core::ErrorCode::invalid_input,
        "max_seconds must be between 1 and " + std::to_string(options_.max_seconds.count())};
  }
  std::lock_guard lock(mutex_);
  forget_old_ended();
  if (running_locked() >= options_.max_streams) {
    return core::Error{core::ErrorCode::unavailable,
                       "Too many streams: " + std::to_string(options_.max_streams) +
                           " are being followed (MAX_STREAMS)"};
  }
  analysis::AnalyzerOptions analyzer_options;
  analyzer_options.limits.max_duration_seconds = std::numeric_limits<double>::infinity();
  analyzer_options.limits.max_decoded_samples = std::numeric_limits<std::int64_t>::max();
  analyzer_options.content.silence_threshold_dbfs = options_.silence_threshold_dbfs;
  StreamParts parts{fetcher_, callbacks_, analysis::Analyzer(analyzer_options),
                    options_.idle_timeout, [metrics = metrics_](std::string_view reason) {
                      metrics->streams_active.add(-1);
                      metrics->streams.add({std::string(reason)});
                    }};
  metrics_->streams_active.add(1);
  metrics_->streams.add({"started"});
  const std::string id = new_job_id();
  auto monitor = std::make_shared<StreamMonitor>(id, std::move(request), std::move(parts));
  monitors_[id] = monitor;
  return monitor;
}

std::shared_ptr<StreamMonitor> StreamMonitors::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = monitors_.find(id);
  return found == monitors_.end() ? nullptr : found->second;
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
