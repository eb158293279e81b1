// Checks of the services earshot depends on, for GET /health/ready. Each returns nullopt when
// the dependency answers, or a short description of what went wrong. They block for at most
// about twice `timeout` (connect, then the reply), so run them off the Asio threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace earshot::service {

// Connects to Redis and sends PING; the answer must be PONG (or an authentication error, which
// still proves the server is up: the cache reports credentials problems itself).
std::optional<std::string> redis_problem(const std::string& host, std::uint16_t port,
                                         std::chrono::milliseconds timeout);

}  // namespace earshot::service
