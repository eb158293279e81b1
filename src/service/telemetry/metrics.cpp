#include "service/telemetry/metrics.hpp"

#include "earshot/version.hpp"

namespace earshot::service {

ServiceMetrics::ServiceMetrics()
    : requests("earshot_http_requests_total", "HTTP requests answered.",
               {"route", "method", "status"}),
      request_seconds("earshot_http_request_duration_seconds",
                      "Time to answer an HTTP request, from request read to response written.",
                      {"route", "status"}, prometheus::kLatencyBuckets),
      rejected("earshot_http_requests_rejected_total",
               "Requests refused without running them (queue_full, body_too_large, timeout).",
               {"reason"}),
      in_flight("earshot_http_requests_in_flight", "Requests read and not yet answered."),
      analysis_seconds("earshot_analysis_duration_seconds",
                       "Time to decode and analyse one file (downloads excluded).", {},
                       prometheus::kLatencyBuckets),
      audio_seconds("earshot_audio_seconds_analyzed_total", "Seconds of audio analysed."),
      downloaded_bytes("earshot_download_bytes_total", "Bytes downloaded from audio URLs."),
      cache_lookups("earshot_cache_lookups_total", "Result cache lookups by cache and result.",
                    {"cache", "result"}),
      redis_errors("earshot_redis_errors_total", "Redis calls that failed, by reason.", {"reason"}),
      redis_circuit_open("earshot_redis_circuit_open",
                         "1 while the Redis circuit breaker is open (calls skip Redis)."),
      jobs("earshot_jobs_total",
           "Job events: queued, started, succeeded, retried, failed, reclaimed.", {"event"}),
      streams_active("earshot_streams_active", "Live streams being followed (POST /streams)."),
      streams("earshot_streams_total",
              "Live stream events: started, and the reason each ended (max_seconds, stopped, "
              "source_ended, idle, source_error, error).",
              {"event"}) {}

void ServiceMetrics::set_queue_depth_source(std::function<std::size_t()> source) {
  queue_depth_ = std::move(source);
}

std::string ServiceMetrics::render() const {
  std::string out;
  out.reserve(8192);
  requests.render(out);
  request_seconds.render(out);
  rejected.render(out);
  in_flight.render(out);
  analysis_seconds.render(out);
  audio_seconds.render(out);
  downloaded_bytes.render(out);
  cache_lookups.render(out);
  redis_errors.render(out);
  redis_circuit_open.render(out);
  jobs.render(out);
  streams_active.render(out);
  streams.render(out);
  const std::size_t depth = queue_depth_ ? queue_depth_() : 0;
  out += "# HELP earshot_analysis_queue_depth Analyses waiting for a worker thread.\n";
  out += "# TYPE earshot_analysis_queue_depth gauge\n";
  out += "earshot_analysis_queue_depth " + std::to_string(depth) + "\n";
  out += "# HELP earshot_build_info The running earshot version.\n";
  out += "# TYPE earshot_build_info gauge\n";
  out += "earshot_build_info{version=\"" + std::string(kVersion) + "\"} 1\n";
  return out;
}

}  // namespace earshot::service
