// RedisJobQueue, and the record layout it shares with the worker (redis_job_records.hpp).
// The protocol is described in redis_jobs.hpp; the worker is in redis_job_worker.cpp.
#include "service/jobs/redis_jobs.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "service/jobs/redis_job_records.hpp"
#include "service/redis/redis_client.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {

using core::Error;
using core::ErrorCode;

std::string job_record_key(std::string_view id) {
  return "earshot:v1:job:" + std::string(id);
}

std::string request_to_json(const JobRequest& request) {
  const nlohmann::json json = {{"audio_url", request.audio_url},
                               {"model_name", request.model_name},
                               {"callback_url", request.callback_url}};
  return json.dump();
}

std::optional<JobStatus> parse_job_status(std::string_view text) {
  for (const auto status :
       {JobStatus::queued, JobStatus::running, JobStatus::succeeded, JobStatus::failed}) {
    if (to_string(status) == text) return status;
  }
  return std::nullopt;
}

namespace {

JobRequest parse_request(const std::string& text) {
  JobRequest request;
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return request;
  const auto text_member = [&](const char* name) {
    const auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  request.audio_url = text_member("audio_url");
  request.model_name = text_member("model_name");
  request.callback_url = text_member("callback_url");
  return request;
}

int parse_int(const std::string& text) {
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

std::optional<StoredJob> parse_stored_job(const std::string& id, const RedisReply& hgetall) {
  if (hgetall.type != RedisReply::Type::array || hgetall.elements.empty()) return std::nullopt;
  StoredJob job;
  job.record.id = id;
  const auto& items = hgetall.elements;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    const std::string& name = items[i].text;
    const std::string& value = items[i + 1].text;
    if (name == job_field::status) {
      job.record.status = parse_job_status(value).value_or(JobStatus::queued);
    } else if (name == job_field::request) {
      job.record.request = parse_request(value);
    } else if (name == job_field::attempts) {
      job.record.attempts = parse_int(value);
    } else if (name == job_field::created_at) {
      job.record.created_at = value;
    } else if (name == job_field::result) {
      job.record.result = value;
    } else if (name == job_field::error) {
      job.record.error = value;
    } else if (name == job_field::finished_at) {
      job.record.finished_at = value;
    } else if (name == job_field::callback) {
      job.callback_done = !value.empty();
    }
  }
  return job;
}

RedisJobQueue::RedisJobQueue(std::shared_ptr<RedisClient> redis, RedisJobOptions options,
                             std::shared_ptr<ServiceMetrics> metrics)
    : redis_(std::move(redis)), options_(std::move(options)), metrics_(std::move(metrics)) {}

core::Result<std::string> RedisJobQueue::submit(const JobRequest& request) {
  std::string id = new_job_id();
  const std::string key = job_record_key(id);
  // One transaction: a record without its stream entry would say "queued" forever, and an
  // entry without its record would be skipped by the workers.
  auto done = transaction(
      *redis_, {{"HSET", key, job_field::status, std::string(to_string(JobStatus::queued)),
                 job_field::request, request_to_json(request), job_field::attempts, "0",
                 job_field::created_at, utc_now_iso8601()},
                {"EXPIRE", key, std::to_string(options_.ttl.count())},
                {"XADD", std::string(kJobStreamKey), "*", "id", id}});
  if (!done) return done.error();
  if (metrics_) metrics_->jobs.add({"queued"});
  return id;
}

core::Result<std::optional<JobRecord>> RedisJobQueue::find(const std::string& id) {
  auto reply = checked_command(*redis_, {"HGETALL", job_record_key(id)});
  if (!reply) return reply.error();
  auto job = parse_stored_job(id, *reply);
  if (!job) return std::optional<JobRecord>();
  return std::optional<JobRecord>(std::move(job->record));
}

}  // namespace earshot::service
