// The live stream routes: POST /streams, GET /streams/{id}, GET /streams/{id}/events (Server-
// Sent Events) and DELETE /streams/{id} (the monitors are in service/streams).
#include <charconv>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "service/http/request_parsing.hpp"
#include "service/routes/route_responses.hpp"
#include "service/routes/routes.hpp"
#include "service/streams/stream_monitors.hpp"

namespace earshot::service {
namespace {

constexpr std::string_view kStreamsPrefix = "/streams/";
constexpr std::string_view kEventsSuffix = "/events";
// How long DELETE waits for the monitor to end, so that its answer is the final state.
constexpr auto kStopWait = std::chrono::seconds(5);

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

// The monitor's events for GET /streams/{id}/events; the monitor lives as long as a client
// reads them.
class MonitorEvents final : public BodySource {
 public:
  MonitorEvents(std::shared_ptr<StreamMonitor> monitor, std::size_t first)
      : monitor_(std::move(monitor)), next_(first) {}
  std::optional<std::string> next() override { return monitor_->events(next_); }

 private:
  std::shared_ptr<StreamMonitor> monitor_;
  std::size_t next_;
};

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

}  // namespace

Dispatch Routes::start_stream(HttpRequest& request) const {
  return Dispatch{"/streams", std::nullopt,
                  [streams = streams_, body = std::move(request.body)]() -> HttpResponse {
                    auto parsed = parse_stream_request(body, streams->options().max_seconds);
                    if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) {
                      return HttpResponse::from(std::move(*error));
                    }
                    auto monitor = streams->start(std::move(std::get<StreamRequest>(parsed)));
                    if (!monitor) {
                      HttpResponse refused = error_of(monitor.error());
                      if (refused.status == kServiceUnavailable) {
                        refused.headers.emplace_back("Retry-After", "10");
                      }
                      return refused;
                    }
                    HttpResponse created = json_response(kCreated, (*monitor)->state(false));
                    created.headers.emplace_back("Location",
                                                 std::string(kStreamsPrefix) + (*monitor)->id());
                    return created;
                  }};
}

Dispatch Routes::find_stream(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/streams/*";
  std::string_view path = request.target;
  path = path.substr(0, path.find_first_of("?#")).substr(kStreamsPrefix.size());
  const bool events = path.ends_with(kEventsSuffix);
  if (events) path.remove_suffix(kEventsSuffix.size());
  auto monitor = streams_->find(std::string(path));
  if (!monitor) return now(kRoute, unknown_stream());
  if (!events) return now(kRoute, json_ok(monitor->state(true)));
  HttpResponse response{kOk,
                        "",
                        "text/event-stream",
                        {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}},
                        {}};
  response.stream =
      std::make_shared<MonitorEvents>(std::move(monitor), first_event(request.last_event_id));
  return now(kRoute, std::move(response));
}

Dispatch Routes::stop_stream(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/streams/*";
  std::string_view path = request.target;
  path = path.substr(0, path.find_first_of("?#")).substr(kStreamsPrefix.size());
  auto monitor = streams_->find(std::string(path));
  if (!monitor) return now(kRoute, unknown_stream());
  monitor->stop();
  // Waiting for the monitor's threads to wind down is work for the pool.
  return Dispatch{kRoute, std::nullopt, [monitor = std::move(monitor)]() -> HttpResponse {
                    const auto give_up = std::chrono::steady_clock::now() + kStopWait;
                    while (!monitor->ended() && std::chrono::steady_clock::now() < give_up) {
                      std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    }
                    return json_ok(monitor->state(true));
                  }};
}

}  // namespace earshot::service
