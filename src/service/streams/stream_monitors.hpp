// The live streams this process follows (POST /streams, without Redis): at most
// `max_streams` running at once, each for at most `max_seconds`, ended by the source going
// quiet for `idle_timeout`; ended monitors are kept (their timelines readable) until
// `kept_ended` newer ones have ended. Metrics: earshot_streams_active,
// earshot_streams_total{event}. Thread-safe.
//
// Monitors live in this process: a restart ends every one of them, and a client sees its
// event stream close without an "end" event. With Redis, streams run on workers instead
// (redis_streams.hpp) and outlive any one process.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "core/result.hpp"
#include "service/streams/stream_monitor.hpp"
#include "service/streams/streams.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {

struct StreamOptions {
  std::size_t max_streams = 4;
  std::chrono::seconds max_seconds{3600};  // the longest a monitor may run, and the default
  std::chrono::seconds idle_timeout{30};
  std::size_t kept_ended = 100;
  FetchOptions fetch;  // address policy and connect timeout (no byte cap or total timeout)
  CallbackOptions callback;
  double silence_threshold_dbfs = -50.0;
};

// A monitor's parts under `options`; its on_end counts it in `metrics` (which it counted as
// started). Shared by this process's monitors and those of workers.
StreamParts monitor_parts(const StreamOptions& options, std::shared_ptr<const Fetcher> fetcher,
                          std::shared_ptr<const CallbackSender> callbacks,
                          std::shared_ptr<ServiceMetrics> metrics);

class StreamMonitors final : public Streams {
 public:
  // Errors: those of Fetcher::create.
  static core::Result<std::shared_ptr<StreamMonitors>> create(
      StreamOptions options, std::shared_ptr<ServiceMetrics> metrics);
  ~StreamMonitors() override;

  std::string_view kind() const override { return "memory"; }
  std::chrono::seconds max_seconds() const override { return options_.max_seconds; }
  core::Result<nlohmann::ordered_json> start(StreamRequest request) override;
  core::Result<std::optional<nlohmann::ordered_json>> find(const std::string& id) override;
  core::Result<std::shared_ptr<BodySource>> events(const std::string& id,
                                                   std::size_t first) override;
  core::Result<std::optional<nlohmann::ordered_json>> stop(const std::string& id) override;

  std::size_t running() const;

 private:
  StreamMonitors(StreamOptions options, std::shared_ptr<ServiceMetrics> metrics,
                 std::shared_ptr<const Fetcher> fetcher);
  std::shared_ptr<StreamMonitor> monitor(const std::string& id) const;
  void forget_old_ended();  // with mutex_ held
  std::size_t running_locked() const;

  StreamOptions options_;
  std::shared_ptr<ServiceMetrics> metrics_;
  std::shared_ptr<const Fetcher> fetcher_;
  std::shared_ptr<const CallbackSender> callbacks_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<StreamMonitor>> monitors_;
  std::deque<std::string> ended_order_;  // ids of ended monitors, oldest first
};

}  // namespace earshot::service
