// The HTTP routes of `earshot serve` as plain functions from a request to a response, so that
// they are tested without sockets. Routing is split in two steps because the heavy part must
// run on the WorkerPool, not on an Asio thread:
//
//   service::Routes routes(config);                       // may fail: see create()
//   service::Dispatch d = routes->dispatch(request);       // cheap: parse, validate, route
//   HttpResponse r = d.work ? d.work() : *d.immediate;     // work() blocks (download, decode)
//
// Every status comes from http_errors (error_response / detail_response / validation_error).
// Contract (that of the FastAPI services earshot replaces):
//   GET  /               200 {"message": "<API_TITLE> <API_VERSION>"}
//   GET  /health/live    200 {"status": "ok"};  GET /health/ready 200 {"status": "ready"}
//   POST /analyze-audio  JSON {"audio_url": "http(s)://..."}; 422 (FastAPI shape) for a bad body,
//                        400 download / not audio / undecodable, 413 too large, 500 internal
//   POST /analyze        raw body with Content-Type audio/*, video/*, application/octet-stream,
//                        or multipart/form-data with the audio in field `file` (422 when the
//                        field is absent, 400 for a malformed multipart body); 415 otherwise
//   success              200 {"status": "success", "data": analysis::to_json(result)}
//   unknown path 404 {"detail": "Not Found"}; wrong method 405 {"detail": "Method Not Allowed"}
// Routes is immutable after create() and safe to use from many threads at once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analyzer.hpp"
#include "core/result.hpp"
#include "service/config.hpp"
#include "service/fetch.hpp"
#include "service/http_errors.hpp"

namespace earshot::service {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path with optional query, e.g. "/analyze?x=1"
  std::string content_type;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string body;                                          // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type

  static HttpResponse from(HttpErrorResponse error) {
    return HttpResponse{error.status, std::move(error.body), {}};
  }
};

// Either an answer now, or work to run on the WorkerPool that produces the answer.
struct Dispatch {
  std::optional<HttpResponse> immediate;
  std::function<HttpResponse()> work;  // set when immediate is not; blocking, never throws
};

class Routes {
 public:
  // Errors: those of Fetcher::create for options built from the config.
  static core::Result<Routes> create(const Config& config);

  Dispatch dispatch(const HttpRequest& request) const;

  // 503 {"detail": "Server busy, retry later"} with Retry-After: 1, for a full queue.
  static HttpResponse busy_response();
  // 413 for a request body over MAX_UPLOAD_BYTES.
  static HttpResponse upload_too_large_response(std::int64_t limit);

 private:
  Routes(const Config& config, Fetcher fetcher);

  HttpResponse analyze_bytes(std::span<const std::uint8_t> bytes) const;
  Dispatch analyze_audio(const HttpRequest& request) const;
  Dispatch analyze_upload(const HttpRequest& request) const;

  std::string root_message_;
  Fetcher fetcher_;
  analysis::Analyzer analyzer_;
};

}  // namespace earshot::service
