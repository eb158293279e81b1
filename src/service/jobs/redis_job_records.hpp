// Internal to the Redis job queue and worker: how a job record is laid out in its hash and
// read back. Not part of the service's API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "service/jobs/jobs.hpp"
#include "service/redis/redis_client.hpp"
#include "service/redis/redis_commands.hpp"

namespace earshot::service {

// A job record plus what only the worker needs: whether its callback was already dealt with
// (so that a worker taking over a finished job sends a callback that was never sent).
struct StoredJob {
  JobRecord record;
  bool callback_done = false;
};

// Hash fields of earshot:v1:job:<id>.
namespace job_field {
inline constexpr const char* status = "status";
inline constexpr const char* request = "request";
inline constexpr const char* attempts = "attempts";
inline constexpr const char* created_at = "created_at";
inline constexpr const char* result = "result";
inline constexpr const char* error = "error";
inline constexpr const char* finished_at = "finished_at";
inline constexpr const char* callback = "callback";  // "sent" or "failed: <why>"
}  // namespace job_field

// {"audio_url", "model_name", "callback_url"}.
std::string request_to_json(const JobRequest& request);
std::optional<JobStatus> parse_job_status(std::string_view text);
// An HGETALL reply; nullopt for an empty one (no such key, or expired).
std::optional<StoredJob> parse_stored_job(const std::string& id, const RedisReply& hgetall);

}  // namespace earshot::service
