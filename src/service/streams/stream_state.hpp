// What the service says about a followed stream, whichever process follows it: the body of
// GET /streams/{id} (and the "end" event, and the callback), and the Server-Sent Events that
// carry its segments.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace earshot::service {

struct StreamRequest {
  std::string url;
  std::chrono::seconds max_seconds{3600};
  std::optional<std::string> callback_url;
  // When following began; a monitor that takes over from another (on a worker, after the
  // first one's worker went away) keeps the first one's start and deadline.
  std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
  // Where this monitor's timeline starts in the stream's: 0 for the first monitor, the seconds
  // already covered for one that takes over.
  double offset_seconds = 0.0;
};

struct StreamState {
  std::string id;
  std::string url;
  std::string state = "queued";  // queued (waiting for a worker), running, finished or failed
  std::string reason;            // why it ended; empty while it runs
  std::optional<std::string> error;
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at;
  std::int64_t max_seconds = 0;
  double seconds = 0.0;  // of the stream's timeline covered so far
  // Of the audio heard, once the stream ended (null before).
  nlohmann::ordered_json classification;
  nlohmann::ordered_json class_probabilities;
};

// Whether a state ("queued", "running", "finished", "failed") is an end.
inline bool is_final_state(std::string_view state) {
  return state == "finished" || state == "failed";
}

// {"id", "url", "state", "reason", "error", "started_at", "ended_at", "max_seconds",
// "seconds"[, "classification", "class_probabilities"]}; null where not set.
nlohmann::ordered_json to_json(const StreamState& state);

// One Server-Sent Event: "event: <name>\n[id: <id>\n]data: <json>\n\n".
std::string sse_event(std::string_view name, std::optional<std::size_t> id,
                      const nlohmann::ordered_json& data);

// ISO 8601 UTC to the second: "2026-12-06T05:42:00Z".
std::string iso_time(std::chrono::system_clock::time_point at);

}  // namespace earshot::service
