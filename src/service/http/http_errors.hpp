// The one place that turns errors into HTTP responses: core::ErrorCode -> status, and the JSON
// body shapes of the FastAPI services earshot replaces, so that their clients keep working.
// Nothing else in earshot knows about status codes. Responses are plain values (status + JSON
// text), testable without sockets.
//
//   auto r = service::error_response(core::Error{core::ErrorCode::too_large, "file too big"});
//   // r.status == 413, r.body == R"({"detail":"file too big"})"
//   auto v = service::validation_error({"body", "audio_url"}, "field required",
//                                      service::validation_type::missing);
//   // v.status == 422, v.body == FastAPI's {"detail":[{"loc":[...],"msg":...,"type":...}]}
//
// Status table (http_status):
//   invalid_input 400, unsupported_format 400, decode_failed 400, too_large 413,
//   not_found 404, io 500, unavailable 503, internal 500.
// not_found is for unknown routes and resources only. An unknown model name is a bad request
// (400) in the HTTP contract, so model lookups must return invalid_input, not not_found.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace earshot::service {

// A status and a JSON body (serialised compactly, as Starlette's JSONResponse does).
struct HttpErrorResponse {
  int status = 500;
  std::string body;
};

// The HTTP status for an error code.
int http_status(core::ErrorCode code);

// The body every 500 carries: the error's message may hold paths or library details, so a
// client never sees it (log it instead).
inline constexpr std::string_view kInternalErrorDetail = "An internal server error occurred.";

// {"detail": message} with the code's status; for status 500 the body is always exactly
// {"detail": "An internal server error occurred."}. Invalid UTF-8 in the message is replaced by
// U+FFFD rather than failing.
HttpErrorResponse error_response(const core::Error& error);

// 500 with the fixed body; for exceptions caught at a boundary.
HttpErrorResponse internal_error_response();

// {"detail": text} with any status (e.g. 404 "Not Found" for an unknown route, 503 when the
// queue is full, where the text is the route's own). Status 500 still gets the fixed body.
HttpErrorResponse detail_response(int status, std::string_view detail);

// FastAPI / pydantic v1 request-validation errors (422). A location is a path of field names
// and list indices, e.g. {"body", "audio_url"} or {"body", 0}.
using LocPart = std::variant<std::string, int>;

struct ValidationIssue {
  std::vector<LocPart> loc;
  std::string msg;
  std::string type;  // one of validation_type below, or another pydantic v1 type string
};

// pydantic v1 error type strings used by the routes.
namespace validation_type {
inline constexpr std::string_view missing = "value_error.missing";         // "field required"
inline constexpr std::string_view json_decode = "value_error.jsondecode";  // body not JSON
inline constexpr std::string_view url_scheme = "value_error.url.scheme";   // not http(s)
inline constexpr std::string_view not_string = "type_error.str";           // "str type expected"
}  // namespace validation_type

// 422 with {"detail": [{"loc": [...], "msg": ..., "type": ...}, ...]}, one entry per issue.
HttpErrorResponse validation_errors(const std::vector<ValidationIssue>& issues);

// 422 for a single issue.
HttpErrorResponse validation_error(std::initializer_list<LocPart> loc, std::string_view msg,
                                   std::string_view type);

}  // namespace earshot::service
