// Client options for the test's own redis-server on 127.0.0.1 (support/redis_server.hpp), with
// a circuit breaker that reopens quickly, so tests that stop and restart Redis stay short, and
// a command timeout of 2 s rather than 250 ms: redis-server shares a loaded 2-core CI machine
// with the tests, and one late reply would turn an expected hit into a miss. A stopped server
// refuses at once, so the tests of Redis going away do not wait for it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "service/redis/redis_client.hpp"

namespace earshot::service::testing {

inline RedisClientOptions local_redis(std::uint16_t port,
                                      std::shared_ptr<ServiceMetrics> metrics = {}) {
  RedisClientOptions options;
  options.endpoint.host = "127.0.0.1";
  options.endpoint.port = port;
  options.timeout = std::chrono::seconds(2);
  options.open_for = std::chrono::milliseconds(200);
  options.metrics = std::move(metrics);
  return options;
}

}  // namespace earshot::service::testing
