// The metric set of `earshot serve`, exposed at GET /metrics in the Prometheus text format.
// One instance per server, shared by the server (requests, rejections, in-flight) and the routes
// (analysis time, audio seconds, downloaded bytes); every member is thread-safe.
//
//   metrics.requests.add({"/analyze", "POST", "200"});
//   metrics.analysis_seconds.observe({}, 0.12);
//   std::string text = metrics.render();
//
// Route labels are route templates ("/analyze"), or "unmatched" for unknown paths, so that
// scanners cannot create unbounded series.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "service/telemetry/prometheus.hpp"

namespace earshot::service {

struct ServiceMetrics {
  ServiceMetrics();

  // Requests answered, by route, method and status.
  prometheus::Counter requests;
  // Time from the request's last byte read to the response's last byte written.
  prometheus::Histogram request_seconds;
  // Requests refused before any work: reason = queue_full, body_too_large, timeout.
  prometheus::Counter rejected;
  prometheus::Gauge in_flight;
  // Decoding and analysis of one file (download excluded).
  prometheus::Histogram analysis_seconds;
  prometheus::Counter audio_seconds;
  prometheus::Counter downloaded_bytes;
  // Result cache lookups by cache (memory, redis) and result (hit, miss, error).
  prometheus::Counter cache_lookups;
  // Redis calls that failed, by reason (connect, timeout, io, auth, circuit_open).
  prometheus::Counter redis_errors;
  // 1 while the Redis circuit breaker is open (calls skip Redis), else 0.
  prometheus::Gauge redis_circuit_open;
  // Jobs by event: queued, started, succeeded, retried, failed (dead letter), reclaimed.
  prometheus::Counter jobs;
  // Live streams followed (POST /streams) now, and by event: started, then the reason each
  // ended (max_seconds, stopped, source_ended, idle, source_error, error); with Redis also
  // taken_over (a worker took a stream over from a silent one).
  prometheus::Gauge streams_active;
  prometheus::Counter streams;

  // Where the analysis queue depth comes from (the server's RequestPool); 0 until set. Call
  // before the server serves requests.
  void set_queue_depth_source(std::function<std::size_t()> source);

  // Every metric, plus earshot_analysis_queue_depth and earshot_build_info.
  std::string render() const;

 private:
  std::function<std::size_t()> queue_depth_;
};

}  // namespace earshot::service
