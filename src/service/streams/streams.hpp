// The live streams the service follows (POST /streams), behind one interface:
//   * StreamMonitors (stream_monitors.hpp): followed by the process that was asked, the
//     default without Redis;
//   * RedisStreams (redis_streams.hpp): handed to `earshot worker`s through Redis, like jobs;
//     any API replica answers for any stream.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "service/http/message.hpp"
#include "service/streams/stream_state.hpp"

namespace earshot::service {

class Streams {
 public:
  virtual ~Streams() = default;
  virtual std::string_view kind() const = 0;  // "redis" or "memory"
  // The longest a stream may be followed, and the default.
  virtual std::chrono::seconds max_seconds() const = 0;

  // Starts following `request.url`; the new stream's state. Errors: invalid_input for a URL
  // that is not http(s) or a max_seconds over the limit, unavailable when as many streams as
  // allowed are being followed (or Redis cannot be reached).
  virtual core::Result<nlohmann::ordered_json> start(StreamRequest request) = 0;
  // The state with "segments"; nullopt for an unknown id.
  virtual core::Result<std::optional<nlohmann::ordered_json>> find(const std::string& id) = 0;
  // Server-Sent Events from the `first`-th segment on, then an "end" event with the state;
  // null for an unknown id. The source's next() never waits on the network.
  virtual core::Result<std::shared_ptr<BodySource>> events(const std::string& id,
                                                           std::size_t first) = 0;
  // Asks the stream to end and waits a few seconds for it to have ended, so that the answer
  // is the final state (with "segments"); nullopt for an unknown id.
  virtual core::Result<std::optional<nlohmann::ordered_json>> stop(const std::string& id) = 0;
};

// Checks what every kind of Streams refuses: a URL that is not http(s), a max_seconds not in
// 1..limit (invalid_input).
core::Status check_stream_request(const StreamRequest& request, std::chrono::seconds limit);

// How long stop() waits for a stream to end.
inline constexpr std::chrono::seconds kStreamStopWait{5};

}  // namespace earshot::service
