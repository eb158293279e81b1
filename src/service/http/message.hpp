// A request as the routes read it and the response they give, with no HTTP library in sight:
// the server (Beast) converts from and to the wire, the routes and their tests use these alone.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/http/http_errors.hpp"

namespace earshot::service {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path with optional query, e.g. "/analyze?x=1"
  std::string content_type;
  std::string body;
  std::string accept = {};  // the Accept header: which format the answer may take
  // The Last-Event-ID header: an event stream's client reconnecting after this event.
  std::string last_event_id = {};
};

// A response body written as it is made, for as long as it lasts (Server-Sent Events): the
// server asks a few times a second and writes what it gets as a chunk.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The next part of the body: text to write (empty when nothing is new yet), or nullopt when
  // the body is complete. Must not block.
  virtual std::optional<std::string> next() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
  std::string log_detail;  // why a 5xx happened: for the log, never sent to the client
  // When set, `body` is ignored and the body is this source's parts, sent chunked.
  std::shared_ptr<BodySource> stream = {};

  static HttpResponse from(HttpErrorResponse error) {
    return HttpResponse{error.status, std::move(error.body), "application/json", {}, {}};
  }
};

}  // namespace earshot::service
