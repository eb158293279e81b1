// The HTTP routes of `earshot serve` as plain functions from a request to a response, so that
// they are tested without sockets. Routing is split in two steps because the heavy part must
// run on the RequestPool, not on an Asio thread:
//
//   auto routes = app::build_routes(config);                   // the composition root (app.hpp)
//   auto limit = Routes::body_limit(method, target, max_upload_bytes);  // from the head
//   service::Dispatch d = routes->dispatch(std::move(request)); // cheap: route, check the query
//   HttpResponse r = d.work ? d.work() : *d.immediate;         // work() blocks (JSON, download)
//
// dispatch() never parses JSON: the JSON routes parse their body in the work, on the pool.
// Every error body comes from http_errors (error_response / detail_response / validation_error).
// Request bodies are limited per route, a column of the routing table (body_limit(); 413 from
// upload_too_large_response beyond it): /analyze-audio 16 KiB, /jobs 32 KiB, /jobs/batch 4 MiB,
// /analyze and /predict-anomaly MAX_UPLOAD_BYTES, anything else (GET, HEAD, /models/reload,
// unknown paths) 16 KiB. The JSON routes read a body as JSON only without a Content-Type or with
// application/json or application/*+json, any other type being a 422, as are a URL field over
// 8192 characters and JSON nested deeper than 32 levels (request_parsing.hpp).
// What each route takes and answers (the contract of the FastAPI services earshot replaces,
// plus earshot's own routes) is documented once, in docs/api.md, and described to clients by
// openapi.json (GET /openapi.json), which a test keeps equal to table(). An unknown path is a
// 404 {"detail": "Not Found"}; a known path with another method a 405 with an Allow header.
// HEAD is answered for every GET route (the server drops the body).
// Routes is immutable once built and safe to use from many threads at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "service/http/http_errors.hpp"
#include "service/http/message.hpp"
#include "service/jobs/jobs.hpp"
#include "service/pipeline/analysis_pipeline.hpp"
#include "service/pipeline/model_catalog.hpp"
#include "service/redis/redis_endpoint.hpp"
#include "service/routes/api_docs.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {

class ServiceLog;
class Streams;

// Either an answer now, or work to run on the RequestPool that produces the answer.
struct Dispatch {
  std::string_view route;  // the matched route's path, or "unmatched" (metric and log label)
  std::optional<HttpResponse> immediate;
  std::function<HttpResponse()> work;  // set when immediate is not; blocking, never throws
};

// One entry of the routing table: method and path (a trailing '*' matches any rest).
struct RouteInfo {
  std::string_view method;
  std::string_view path;
};

struct RoutesOptions {
  std::string root_message;            // GET /: "<API_TITLE> <API_VERSION>"
  std::optional<RedisEndpoint> redis;  // what /health/ready checks; nullopt: no Redis
};

class Routes {
 public:
  // Every pointer is set (app::build_routes builds them).
  Routes(RoutesOptions options, std::shared_ptr<const AnalysisPipeline> pipeline,
         std::shared_ptr<JobQueue> jobs, std::shared_ptr<ServiceMetrics> metrics,
         std::shared_ptr<ModelCatalog> catalog, std::shared_ptr<Streams> streams, ApiDocs docs);

  const ApiDocs& api_docs() const { return docs_; }
  ModelCatalog& models() const { return *catalog_; }
  // What analyses and jobs run on; `earshot worker` runs jobs with it too.
  std::shared_ptr<const AnalysisPipeline> pipeline() const { return pipeline_; }
  JobQueue& jobs() const { return *jobs_; }

  // Takes the request: a handler may keep its body for the work (no copy of an upload).
  Dispatch dispatch(HttpRequest request) const;

  // Every route served, in matching order (for the OpenAPI consistency test).
  static std::vector<RouteInfo> table();

  // 503 {"detail": "Server busy, retry later"} with Retry-After: 1, for a full queue.
  static HttpResponse busy_response();
  // The largest request body, in bytes, that the route for `method` and `target` accepts: a
  // column of the routing table; `max_upload_bytes` for the upload routes. HEAD is GET; a
  // request for no route (404, 405) gets the small limit of a route without a body. The server
  // asks after reading the request head, and answers 413 without reading a larger body.
  static std::int64_t body_limit(std::string_view method, std::string_view target,
                                 std::int64_t max_upload_bytes);
  // 413 {"detail": "Request body exceeds the upload limit of N bytes"}.
  static HttpResponse upload_too_large_response(std::int64_t limit);
  // 413 naming the route's own limit: {"detail": "Request body exceeds the limit of 16384 bytes
  // for /jobs"}; `route` is route_name()'s ("unmatched" names no route).
  static HttpResponse upload_too_large_response(std::int64_t limit, std::string_view route);
  // The route a request for `target` with `method` goes to ("/analyze", "/jobs/*", ...), or
  // "unmatched": for the metrics and the log of a request answered before it is routed.
  static std::string_view route_name(std::string_view method, std::string_view target);
  // 504 for a request that ran past REQUEST_TIMEOUT_SECONDS.
  static HttpResponse timeout_response(std::chrono::seconds limit);

 private:
  struct Entry;  // a RouteInfo, its handler and its body limit
  static std::span<const Entry> entries();
  // The entry that serves `method` (HEAD as GET) and `target`, or null.
  static const Entry* entry_for(std::string_view method, std::string_view target);

  Dispatch route(HttpRequest& request) const;  // dispatch() without its safety net
  Dispatch root(HttpRequest& request) const;
  Dispatch live(HttpRequest& request) const;
  Dispatch ready(HttpRequest& request) const;
  Dispatch metrics(HttpRequest& request) const;
  Dispatch openapi(HttpRequest& request) const;
  Dispatch swagger_ui(HttpRequest& request) const;
  Dispatch web_ui(HttpRequest& request) const;
  Dispatch analyze_audio(HttpRequest& request) const;
  Dispatch analyze_upload(HttpRequest& request) const;
  // routes_jobs.cpp
  Dispatch submit_job(HttpRequest& request) const;
  Dispatch submit_jobs(HttpRequest& request) const;
  Dispatch find_job(HttpRequest& request) const;
  // routes_models.cpp
  Dispatch list_models(HttpRequest& request) const;
  Dispatch predict_anomaly(HttpRequest& request) const;
  Dispatch reload_models(HttpRequest& request) const;
  // routes_streams.cpp
  Dispatch start_stream(HttpRequest& request) const;
  Dispatch find_stream(HttpRequest& request) const;  // the state, or /events
  Dispatch stop_stream(HttpRequest& request) const;

  std::string root_message_;
  std::optional<RedisEndpoint> redis_;  // nullopt: no Redis configured
  std::shared_ptr<const AnalysisPipeline> pipeline_;
  std::shared_ptr<JobQueue> jobs_;
  std::shared_ptr<ServiceMetrics> metrics_;
  ApiDocs docs_;
  std::shared_ptr<ModelCatalog> catalog_;
  std::shared_ptr<Streams> streams_;
};

}  // namespace earshot::service
