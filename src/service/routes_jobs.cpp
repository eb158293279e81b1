// The background job routes: POST /jobs, POST /jobs/batch, GET /jobs/{id} (the contract is in
// routes.hpp; the queues in jobs.hpp).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "service/request_parsing.hpp"
#include "service/route_responses.hpp"
#include "service/routes.hpp"

namespace earshot::service {
namespace {

constexpr int kAccepted = 202;
constexpr int kBadRequest = 400;
constexpr int kNotFound = 404;
constexpr int kMethodNotAllowed = 405;
constexpr std::size_t kMaxBatch = 1000;
constexpr std::string_view kJobsPrefix = "/jobs/";

nlohmann::ordered_json queued(const std::string& id) {
  return {{"job_id", id}, {"status", to_string(JobStatus::queued)}};
}

}  // namespace

std::optional<HttpResponse> Routes::unknown_model(const std::vector<JobRequest>& jobs) const {
  const auto registry = catalog_->current();
  for (const auto& job : jobs) {
    if (!job.model_name.empty() && !registry->find(job.model_name)) {
      return HttpResponse::from(detail_response(
          kBadRequest, "Unknown model '" + job.model_name + "'. Available: " + registry->names()));
    }
  }
  return std::nullopt;
}

Dispatch Routes::submit_job(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/jobs";
  auto parsed = parse_job_body(request.body);
  if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) {
    return now(kRoute, HttpResponse::from(std::move(*error)));
  }
  auto job = std::move(std::get<JobRequest>(parsed));
  if (auto refused = unknown_model({job})) return now(kRoute, std::move(*refused));
  // Submitting talks to Redis: work for the pool, not for an Asio thread.
  return Dispatch{kRoute, std::nullopt, [jobs = jobs_, job = std::move(job)]() -> HttpResponse {
                    auto id = jobs->submit(job);
                    if (!id) return error_of(id.error());
                    return json_response(kAccepted, queued(*id));
                  }};
}

Dispatch Routes::submit_jobs(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/jobs/batch";
  auto parsed = parse_job_batch_body(request.body, kMaxBatch);
  if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) {
    return now(kRoute, HttpResponse::from(std::move(*error)));
  }
  auto batch = std::move(std::get<std::vector<JobRequest>>(parsed));
  if (auto refused = unknown_model(batch)) return now(kRoute, std::move(*refused));
  return Dispatch{kRoute, std::nullopt, [jobs = jobs_, batch = std::move(batch)]() -> HttpResponse {
                    nlohmann::ordered_json list = nlohmann::ordered_json::array();
                    for (const auto& job : batch) {
                      auto id = jobs->submit(job);
                      if (!id) {
                        // The jobs queued so far stay queued: the answer lists them, so that a
                        // client retries only the rest.
                        auto response = json_response(
                            http_status(id.error().code),
                            {{"detail", id.error().message}, {"jobs", std::move(list)}});
                        response.log_detail = id.error().message;
                        return response;
                      }
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
