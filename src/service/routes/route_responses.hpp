// Small builders of responses shared by the route files (routes.cpp, routes_models.cpp). Every
// error body still comes from http_errors.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "service/http/http_errors.hpp"
#include "service/routes/routes.hpp"

namespace earshot::service {

// Statuses that are a route's own (not an ErrorCode's); all error bodies still come from
// http_errors.
inline constexpr int kOk = 200;
inline constexpr int kCreated = 201;
inline constexpr int kAccepted = 202;
inline constexpr int kBadRequest = 400;
inline constexpr int kNotFound = 404;
inline constexpr int kMethodNotAllowed = 405;
inline constexpr int kUnsupportedMediaType = 415;
inline constexpr int kServiceUnavailable = 503;
inline constexpr int kGatewayTimeout = 504;

inline HttpResponse json_response(int status, const nlohmann::ordered_json& body) {
  return HttpResponse{status,
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      "application/json",
                      {},
                      {}};
}

inline HttpResponse json_ok(const nlohmann::ordered_json& body) {
  return json_response(200, body);
}

// An error response; a 5xx keeps the error's own message for the log.
inline HttpResponse error_of(const core::Error& error) {
  HttpResponse response = HttpResponse::from(error_response(error));
  if (response.status >= 500) response.log_detail = error.message;
  return response;
}

inline HttpResponse internal_error(std::string cause) {
  HttpResponse response = HttpResponse::from(internal_error_response());
  response.log_detail = std::move(cause);
  return response;
}

// A Dispatch answered on the spot.
inline Dispatch now(std::string_view route, HttpResponse response) {
  return Dispatch{route, std::move(response), {}};
}

}  // namespace earshot::service
