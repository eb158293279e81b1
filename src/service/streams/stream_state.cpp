#include "service/streams/stream_state.hpp"

#include <ctime>

namespace earshot::service {

std::string iso_time(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::ordered_json to_json(const StreamState& state) {
  nlohmann::ordered_json json{
      {"id", state.id},
      {"url", state.url},
      {"state", state.state},
      {"reason", state.reason.empty() ? nullptr : nlohmann::ordered_json(state.reason)},
      {"error", state.error ? nlohmann::ordered_json(*state.error) : nullptr},
      {"started_at", iso_time(state.started_at)},
      {"ended_at", state.ended_at ? nlohmann::ordered_json(iso_time(*state.ended_at)) : nullptr},
      {"max_seconds", state.max_seconds},
      {"seconds", state.seconds},
  };
  if (!state.classification.is_null()) {
    json["classification"] = state.classification;
    json["class_probabilities"] = state.class_probabilities;
  }
  return json;
}

std::string sse_event(std::string_view name, std::optional<std::size_t> id,
                      const nlohmann::ordered_json& data) {
  std::string text = "event: " + std::string(name) + "\n";
  if (id) text += "id: " + std::to_string(*id) + "\n";
  return text + "data: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n\n";
}

}  // namespace earshot::service
