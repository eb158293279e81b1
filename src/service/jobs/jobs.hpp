// Background jobs: what `POST /jobs` queues and `earshot worker` (or, without Redis, the
// service itself) runs. A job analyses one audio URL, optionally with a registry model, and
// can POST its result to a callback URL.
//
// Two queues behind one interface:
//   * RedisJobQueue (redis_jobs.hpp): durable and shared by any number of API replicas and
//     workers on any machines (Redis Streams, a consumer group, reclaiming, retries, a
//     dead-letter stream);
//   * MemoryJobQueue (memory_jobs.hpp): single node and not durable, the default without Redis.
//
//   JobRequest request{.audio_url = "https://example.com/a.mp3"};
//   auto id = queue.submit(request);            // "queued"
//   auto record = queue.find(*id);               // nullopt for an unknown id
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "service/http/job_request.hpp"

namespace earshot::service {

enum class JobStatus { queued, running, succeeded, failed };
std::string_view to_string(JobStatus status);

struct JobRecord {
  std::string id;
  JobStatus status = JobStatus::queued;
  JobRequest request;
  std::optional<std::string> result;  // JSON text, when succeeded
  std::string error;                  // the last error, when failed (or between retries)
  int attempts = 0;                   // tries started so far
  std::string created_at;             // ISO 8601 UTC, e.g. "2026-12-02T17:20:05.123Z"
  std::string finished_at;            // empty until succeeded or failed
};

// The body of GET /jobs/{id}: {"job_id", "status", "result", "error", "attempts",
// "created_at", "finished_at"} in that order (null where not set); the result keeps the order
// it was stored in.
nlohmann::ordered_json to_json(const JobRecord& record);

// What running a job means; supplied by the service (analysis with the cache and the models).
// The JSON text of the result, or the error; errors of code invalid_input, unsupported_format,
// decode_failed, too_large and not_found are permanent (no retry), the others are retried.
using JobHandler = std::function<core::Result<std::string>(const JobRequest&)>;
bool is_permanent(const core::Error& error);

class JobQueue {
 public:
  virtual ~JobQueue() = default;
  virtual std::string_view kind() const = 0;  // "redis" or "memory"
  // The new job's id. Errors: unavailable (Redis down, or a full in-memory queue).
  virtual core::Result<std::string> submit(const JobRequest& request) = 0;
  virtual core::Result<std::optional<JobRecord>> find(const std::string& id) = 0;
};

// A new job id: 32 random hex digits.
std::string new_job_id();
// A name for a consumer of a Redis consumer group, unique per process and call:
// "<hostname>-<pid>-<8 random hex digits>".
std::string new_consumer_name();
// Now as ISO 8601 UTC with milliseconds.
std::string utc_now_iso8601();

}  // namespace earshot::service
