// The live stream routes: POST /streams, GET /streams/{id}, GET /streams/{id}/events (Server-
// Sent Events) and DELETE /streams/{id} (the streams are followed by service/streams).
#include <charconv>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>

#include "service/http/request_parsing.hpp"
#include "service/routes/route_responses.hpp"
#include "service/routes/routes.hpp"
#include "service/streams/streams.hpp"

namespace earshot::service {
namespace {

constexpr std::string_view kStreamsPrefix = "/streams/";
constexpr std::string_view kEventsSuffix = "/events";
constexpr std::string_view kStreamRoute = "/streams/*";

// {"url": "http://…", "max_seconds": 600, "callback_url": "https://…"}: url required.
std::variant<StreamRequest, HttpErrorResponse> parse_stream_request(
    const std::string& body, std::chrono::seconds default_seconds) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return validation_error({"body"}, "a JSON object is required", validation_type::json_decode);
  }
  StreamRequest request;
  request.max_seconds = default_seconds;
  const auto url = json.find("url");
  if (url == json.end()) {
    return validation_error({"body", "url"}, "field required", validation_type::missing);
  }
  if (!url->is_string()) {
    return validation_error({"body", "url"}, "str type expected", validation_type::not_string);
  }
  request.url = url->get<std::string>();
  if (request.url.size() > kMaxUrlLength) {
    return validation_error({"body", "url"}, "ensure this value has at most 8192 characters",
                            "value_error.any_str.max_length");
  }
  if (const auto seconds = json.find("max_seconds"); seconds != json.end() && !seconds->is_null()) {
    if (!seconds->is_number_integer() || seconds->get<std::int64_t>() <= 0) {
      return validation_error({"body", "max_seconds"}, "ensure this value is a positive integer",
                              "type_error.integer");
    }
    request.max_seconds = std::chrono::seconds(seconds->get<std::int64_t>());
  }
  if (const auto callback = json.find("callback_url");
      callback != json.end() && !callback->is_null()) {
    if (!callback->is_string()) {
      return validation_error({"body", "callback_url"}, "str type expected",
                              validation_type::not_string);
    }
    request.callback_url = callback->get<std::string>();
  }
  return request;
}

// The first segment to send: the one after Last-Event-ID (a segment's index), so that a client
// that reconnects, as EventSource does by itself, gets no segment twice; 0 without one.
std::size_t first_event(std::string_view last_event_id) {
  std::size_t last = 0;
  const auto [end, error] =
      std::from_chars(last_event_id.data(), last_event_id.data() + last_event_id.size(), last);
  const bool valid = !last_event_id.empty() && error == std::errc() &&
                     end == last_event_id.data() + last_event_id.size();
  return valid ? last + (last < std::numeric_limits<std::size_t>::max() ? 1 : 0) : 0;
}

HttpResponse unknown_stream() {
  return HttpResponse::from(detail_response(kNotFound, "Stream not found"));
}

// The stream's id in /streams/{id}[/events][?…].
std::string stream_id(std::string_view target) {
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  path.remove_prefix(std::min(path.size(), kStreamsPrefix.size()));
  if (path.ends_with(kEventsSuffix)) path.remove_suffix(kEventsSuffix.size());
  return std::string(path);
}

// 200 with the state, 404 for an unknown stream, or the error's status.
HttpResponse state_or_error(const core::Result<std::optional<nlohmann::ordered_json>>& state) {
  if (!state) return error_of(state.error());
  if (!*state) return unknown_stream();
  return json_ok(**state);
}

}  // namespace

Dispatch Routes::start_stream(HttpRequest& request) const {
  return Dispatch{"/streams", std::nullopt,
                  [streams = streams_, body = std::move(request.body)]() -> HttpResponse {
                    auto parsed = parse_stream_request(body, streams->max_seconds());
                    if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) {
                      return HttpResponse::from(std::move(*error));
                    }
                    auto state = streams->start(std::move(std::get<StreamRequest>(parsed)));
                    if (!state) {
                      HttpResponse refused = error_of(state.error());
                      if (refused.status == kServiceUnavailable) {
                        refused.headers.emplace_back("Retry-After", "10");
                      }
                      return refused;
                    }
                    const std::string location =
                        std::string(kStreamsPrefix) + (*state)["id"].get<std::string>();
                    HttpResponse created = json_response(kCreated, *state);
                    created.headers.emplace_back("Location", location);
                    return created;
                  }};
}

// With Redis every answer is a Redis round trip or more: work for the pool, as are the waits.
Dispatch Routes::find_stream(HttpRequest& request) const {
  const bool events = std::string_view(request.target)
                          .substr(0, request.target.find_first_of("?#"))
                          .ends_with(kEventsSuffix);
  if (!events) {
    return Dispatch{kStreamRoute, std::nullopt,
                    [streams = streams_, id = stream_id(request.target)]() -> HttpResponse {
                      return state_or_error(streams->find(id));
                    }};
  }
  return Dispatch{kStreamRoute, std::nullopt,
                  [streams = streams_, id = stream_id(request.target),
                   first = first_event(request.last_event_id)]() -> HttpResponse {
                    auto source = streams->events(id, first);
                    if (!source) return error_of(source.error());
                    if (!*source) return unknown_stream();
                    HttpResponse response{
                        kOk,
                        "",
                        "text/event-stream",
                        {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}},
                        {}};
                    response.stream = std::move(*source);
                    return response;
                  }};
}

Dispatch Routes::stop_stream(HttpRequest& request) const {
  return Dispatch{kStreamRoute, std::nullopt,
                  [streams = streams_, id = stream_id(request.target)]() -> HttpResponse {
                    return state_or_error(streams->stop(id));
                  }};
}

}  // namespace earshot::service
