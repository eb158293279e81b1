// Error -> HTTP response mapping; the table and the body shapes are described in http_errors.hpp.
#include "service/http/http_errors.hpp"

#include <nlohmann/json.hpp>

namespace earshot::service {
namespace {

// ordered_json keeps FastAPI's key order ("loc", "msg", "type") whatever the names.
using Json = nlohmann::ordered_json;

std::string dump(const Json& json) {
  // replace: a message built from a file name may hold invalid UTF-8; a garbled character is
  // better than an exception while reporting an error.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

HttpErrorResponse internal_body(int status) {
  return {status, dump(Json{{"detail", kInternalErrorDetail}})};
}

}  // namespace

int http_status(core::ErrorCode code) {
  using core::ErrorCode;
  switch (code) {
    case ErrorCode::invalid_input:
      return 400;
    case ErrorCode::unsupported_format:
      return 400;
    case ErrorCode::decode_failed:
      return 400;
    case ErrorCode::too_large:
      return 413;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::io:
      return 500;
    case ErrorCode::download_failed:
      return 400;  // the contract of the service earshot replaces: a failed download is a 400
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::internal:
      return 500;
  }
  return 500;  // an out-of-range value is a bug: treat it as one
}

HttpErrorResponse detail_response(int status, std::string_view detail) {
  if (status == 500) return internal_body(status);
  return {status, dump(Json{{"detail", detail}})};
}

HttpErrorResponse error_response(const core::Error& error) {
  return detail_response(http_status(error.code), error.message);
}

HttpErrorResponse internal_error_response() {
  return internal_body(500);
}

HttpErrorResponse validation_errors(const std::vector<ValidationIssue>& issues) {
  Json detail = Json::array();
  for (const ValidationIssue& issue : issues) {
    Json loc = Json::array();
    for (const LocPart& part : issue.loc) {
      std::visit([&loc](const auto& value) { loc.push_back(value); }, part);
    }
    detail.push_back(Json{{"loc", std::move(loc)}, {"msg", issue.msg}, {"type", issue.type}});
  }
  return {422, dump(Json{{"detail", std::move(detail)}})};
}

HttpErrorResponse validation_error(std::initializer_list<LocPart> loc, std::string_view msg,
                                   std::string_view type) {
  return validation_errors({ValidationIssue{loc, std::string(msg), std::string(type)}});
}

}  // namespace earshot::service
