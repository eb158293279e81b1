// The queue-independent parts of jobs.hpp: status names, the GET /jobs/{id} body, which errors
// are permanent, job ids and timestamps.
#include "service/jobs/jobs.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

namespace earshot::service {

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::queued:
      return "queued";
    case JobStatus::running:
      return "running";
    case JobStatus::succeeded:
      return "succeeded";
    case JobStatus::failed:
      return "failed";
  }
  return "queued";
}

nlohmann::ordered_json to_json(const JobRecord& record) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  body["job_id"] = record.id;
  body["status"] = std::string(to_string(record.status));
  // A stored result that is not JSON (it never should be) is shown as null rather than
  // failing the whole lookup.
  body["result"] = record.result ? nlohmann::ordered_json::parse(*record.result, nullptr,
                                                                 /*allow_exceptions=*/false)
                                 : nlohmann::ordered_json(nullptr);
  if (body["result"].is_discarded()) body["result"] = nullptr;
  body["error"] =
      record.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(record.error);
  body["attempts"] = record.attempts;
  body["created_at"] = record.created_at;
  body["finished_at"] = record.finished_at.empty() ? nlohmann::ordered_json(nullptr)
                                                   : nlohmann::ordered_json(record.finished_at);
  return body;
}

bool is_permanent(const core::Error& error) {
  switch (error.code) {
    case core::ErrorCode::invalid_input:
    case core::ErrorCode::unsupported_format:
    case core::ErrorCode::decode_failed:
    case core::ErrorCode::too_large:
    case core::ErrorCode::not_found:
      return true;
    case core::ErrorCode::io:
    case core::ErrorCode::download_failed:
    case core::ErrorCode::unavailable:
    case core::ErrorCode::internal:
      return false;
  }
  return false;
}

std::string new_job_id() {
  // Ids are guessable handles to someone's results, so they come from the kernel's CSPRNG;
  // std::random_device is the fallback only if getrandom is missing (old kernels).
  std::array<std::uint8_t, 16> bytes{};
  if (getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    std::random_device device;
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>(device());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(bytes.size() * 2);
  for (const auto byte : bytes) {
    id.push_back(kHex[byte >> 4]);
    id.push_back(kHex[byte & 0x0f]);
  }
  return id;
}

std::string new_consumer_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(*host != '\0' ? host : "worker") + "-" + std::to_string(getpid()) + "-" +
         new_job_id().substr(0, 8);
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(length), text,
                static_cast<int>(millis));
  return out;
}

}  // namespace earshot::service
