// The background job routes: POST /jobs, POST /jobs/batch, GET /jobs/{id} (the contract is in
// routes.hpp; the queues in jobs.hpp).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "models/registry.hpp"
#include "service/http/request_parsing.hpp"
#include "service/routes/route_responses.hpp"
#include "service/routes/routes.hpp"

namespace earshot::service {
namespace {

constexpr std::size_t kMaxBatch = 1000;
constexpr std::string_view kJobsPrefix = "/jobs/";

nlohmann::ordered_json queued(const std::string& id) {
  return {{"job_id", id}, {"status", to_string(JobStatus::queued)}};
}

// 400 naming the first job whose model_name the registry does not have.
std::optional<HttpResponse> unknown_model(const models::Registry& registry,
                                          const std::vector<JobRequest>& jobs) {
  for (const auto& job : jobs) {
    if (!job.model_name.empty() && !registry.find(job.model_name)) {
      return HttpResponse::from(detail_response(
          kBadRequest, "Unknown model '" + job.model_name + "'. Available: " + registry.names()));
    }
  }
  return std::nullopt;
}

// A queue that refused a job; a 503 (Redis down, a full queue, job records full of unfinished
// jobs) says when to try again, as busy_response does.
HttpResponse refused(const core::Error& error, nlohmann::ordered_json jobs_so_far = nullptr) {
  HttpResponse response;
  if (jobs_so_far.is_null()) {
    response = error_of(error);
  } else {
    // The jobs queued so far stay queued: the answer lists them, so that a client retries
    // only the rest.
    response = json_response(http_status(error.code),
                             {{"detail", error.message}, {"jobs", std::move(jobs_so_far)}});
    response.log_detail = error.message;
  }
  if (response.status == kServiceUnavailable) response.headers.emplace_back("Retry-After", "1");
  return response;
}

}  // namespace

// Parsing JSON and submitting (which may talk to Redis) are work for the pool, never for an
// Asio thread: the dispatch only hands the body over.
Dispatch Routes::submit_job(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/jobs";
  return Dispatch{kRoute, std::nullopt,
                  [jobs = jobs_, catalog = catalog_, body = std::move(request.body),
                   content_type = std::move(request.content_type)]() -> HttpResponse {
                    auto parsed = parse_job_body(body, content_type);
                    if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) {
                      return HttpResponse::from(std::move(*error));
                    }
                    const auto& job = std::get<JobRequest>(parsed);
                    if (auto bad = unknown_model(*catalog->current(), {job})) return *bad;
                    auto id = jobs->submit(job);
                    if (!id) return refused(id.error());
                    return json_response(kAccepted, queued(*id));
                  }};
}

Dispatch Routes::submit_jobs(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/jobs/batch";
  return Dispatch{kRoute, std::nullopt,
                  [jobs = jobs_, catalog = catalog_, body = std::move(request.body),
                   content_type = std::move(request.content_type)]() -> HttpResponse {
                    auto parsed = parse_job_batch_body(body, kMaxBatch, content_type);
                    if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) {
                      return HttpResponse::from(std::move(*error));
                    }
                    const auto& batch = std::get<std::vector<JobRequest>>(parsed);
                    if (auto bad = unknown_model(*catalog->current(), batch)) return *bad;
                    nlohmann::ordered_json list = nlohmann::ordered_json::array();
                    for (const auto& job : batch) {
                      auto id = jobs->submit(job);
                      if (!id) return refused(id.error(), std::move(list));
                      list.push_back(queued(*id));
                    }
                    return json_response(kAccepted, {{"jobs", std::move(list)}});
                  }};
}

Dispatch Routes::find_job(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/jobs/{id}";
  const std::string_view target = request.target;
  std::string id(
      target.substr(kJobsPrefix.size(), target.find_first_of("?#") - kJobsPrefix.size()));
  if (id == "batch") {
    auto response = HttpResponse::from(detail_response(kMethodNotAllowed, "Method Not Allowed"));
    response.headers.emplace_back("Allow", "POST");
    return now("/jobs/batch", std::move(response));
  }
  // Ids are new_job_id()'s 32 hex digits: anything else is unknown without asking the queue.
  const bool well_formed = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                           });
  if (!well_formed) {
    return now(kRoute, HttpResponse::from(detail_response(kNotFound, "Job not found")));
  }
  return Dispatch{kRoute, std::nullopt, [jobs = jobs_, id = std::move(id)]() -> HttpResponse {
                    auto record = jobs->find(id);
                    if (!record) return error_of(record.error());
                    if (!*record) {
                      return HttpResponse::from(detail_response(kNotFound, "Job not found"));
                    }
                    return json_ok(to_json(**record));
                  }};
}

}  // namespace earshot::service
