// The live streams this process follows (POST /streams): at most `max_streams` running at
// once, each for at most `max_seconds`, ended by the source going quiet for `idle_timeout`;
// ended monitors are kept (their timelines readable) until `kept_ended` newer ones have ended.
// Metrics: earshot_streams_active, earshot_streams_total{event}. Thread-safe.
//
// Monitors live in the process that started them, with Redis too (they are not handed to
// workers as jobs are). A restart ends every monitor; a client sees its event stream close
// without an "end" event and starts the stream again.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "core/result.hpp"
#include "service/streams/stream_monitor.hpp"
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

class StreamMonitors {
 public:
  // Errors: those of Fetcher::create.
  static core::Result<std::shared_ptr<StreamMonitors>> create(
      StreamOptions options, std::shared_ptr<ServiceMetrics> metrics);
  ~StreamMonitors();

  // Starts following `request.url`. Errors: invalid_input for a URL that is not http(s) or a
  // max_seconds over the limit, unavailable when max_streams are running.
  core::Result<std::shared_ptr<StreamMonitor>> start(StreamRequest request);
  std::shared_ptr<StreamMonitor> find(const std::string& id) const;
  std::size_t running() const;
  const StreamOptions& options() const { return options_; }

 private:
  StreamMonitors(StreamOptions options, std::shared_ptr<ServiceMetrics> metrics,
                 std::shared_ptr<const Fetcher> fetcher);
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
