// A small, thread-safe Redis client over hiredis for the cache and the job queue: a pool of
// blocking connections (made on demand, kept while idle, dropped on any transport error and
// made again on the next call), short timeouts, and a circuit breaker so that a Redis that is
// down costs each request nothing once noticed.
//
//   RedisClient redis({.endpoint = *redis_endpoint(config), .timeout = config.redis_timeout});
//   auto reply = redis.command({"SET", key, value, "EX", "3600"});
//   if (!reply) log(reply.error().message);           // unavailable: down, slow or circuit open
//   else if (reply->is_error()) log(reply->text);     // Redis answered with an error reply
//
// Circuit breaker: after `failures_to_open` transport failures in a row the circuit opens and
// calls fail at once (ErrorCode::unavailable, "circuit open") for `open_for`; then calls go
// through again, and the first success closes it (one failure re-opens it). Errors are counted
// in ServiceMetrics::redis_errors and the circuit's state in ServiceMetrics::redis_circuit_open
// when metrics are given; the circuit opening (with the last error) and closing are logged
// when a log is given.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "service/redis/redis_endpoint.hpp"

struct redisContext;

namespace earshot::service {

struct ServiceMetrics;
class ServiceLog;

struct RedisReply {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string text;  // string, status and error replies
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
};

struct RedisClientOptions {
  RedisEndpoint endpoint;
  std::chrono::milliseconds timeout{250};  // connect, and each command unless given its own
  int failures_to_open = 3;
  std::chrono::milliseconds open_for{1000};
  std::size_t max_idle_connections = 16;
  std::shared_ptr<ServiceMetrics> metrics;  // may be null
  std::shared_ptr<ServiceLog> log;          // may be null; the circuit opening and closing
};

class RedisClient {
 public:
  explicit RedisClient(RedisClientOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command. `timeout` overrides the default for this call (a blocking XREADGROUP waits
  // longer). Errors: unavailable when Redis cannot be reached or answered late, or the circuit
  // is open; an error reply from Redis is a RedisReply with type error, not an Error.
  core::Result<RedisReply> command(const std::vector<std::string>& args,
                                   std::optional<std::chrono::milliseconds> timeout = {});
  // Several commands on one connection, sent at once (one round trip); replies in order.
  core::Result<std::vector<RedisReply>> pipeline(
      const std::vector<std::vector<std::string>>& commands);

  bool circuit_open() const;
  const RedisEndpoint& endpoint() const { return options_.endpoint; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  using Connection = std::unique_ptr<redisContext, ContextDeleter>;

  core::Result<Connection> acquire();
  core::Result<Connection> connect();
  void release(Connection connection);
  core::Error failed(const std::string& what, const std::string& reason);
  void succeeded();
  std::optional<core::Error> refused_by_circuit();

  RedisClientOptions options_;
  std::mutex mutex_;
  std::vector<Connection> idle_;
  int consecutive_failures_ = 0;  // guarded by mutex_
  std::chrono::steady_clock::time_point open_until_{};
  std::atomic<bool> open_{false};
};

}  // namespace earshot::service
