#include "service/redis/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "service/telemetry/metrics.hpp"
#include "service/telemetry/service_log.hpp"

namespace earshot::service {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds timeout) {
  return timeval{static_cast<time_t>(timeout.count() / 1000),
                 static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
}

RedisReply converted(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(converted(*reply.element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

void append(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  redisAppendCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data());
}

// Sends what was appended and reads `count` replies; nullopt on a transport error.
std::optional<std::vector<RedisReply>> exchange(redisContext* context, std::size_t count) {
  std::vector<RedisReply> replies;
  replies.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    void* raw = nullptr;
    if (redisGetReply(context, &raw) != REDIS_OK || raw == nullptr) return std::nullopt;
    ReplyPtr reply(static_cast<redisReply*>(raw));
    replies.push_back(converted(*reply));
  }
  return replies;
}

}  // namespace

void RedisClient::ContextDeleter::operator()(redisContext* context) const {
  redisFree(context);
}

RedisClient::RedisClient(RedisClientOptions options) : options_(std::move(options)) {}

RedisClient::~RedisClient() = default;

bool RedisClient::circuit_open() const {
  return open_.load();
}

std::optional<core::Error> RedisClient::refused_by_circuit() {
  std::lock_guard lock(mutex_);
  if (!open_.load() || std::chrono::steady_clock::now() >= open_until_) return std::nullopt;
  if (options_.metrics) options_.metrics->redis_errors.add({"circuit_open"});
  return core::Error{core::ErrorCode::unavailable,
                     "Redis at " + options_.endpoint.describe() + " is unavailable (circuit open)"};
}

core::Error RedisClient::failed(const std::string& what, const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (options_.metrics) options_.metrics->redis_errors.add({reason});
  if (++consecutive_failures_ >= options_.failures_to_open) {
    open_until_ = std::chrono::steady_clock::now() + options_.open_for;
    const bool was_open = open_.exchange(true);
    if (options_.metrics) options_.metrics->redis_circuit_open.set(1);
    if (!was_open && options_.log) {
      options_.log->message(LogLevel::warning, "redis unavailable: going on without it",
                            {{"redis", options_.endpoint.describe()},
                             {"error", what},
                             {"retry_ms", options_.open_for.count()}});
    }
  }
  return core::Error{core::ErrorCode::unavailable,
                     "Redis at " + options_.endpoint.describe() + ": " + what};
}

void RedisClient::succeeded() {
  std::lock_guard lock(mutex_);
  consecutive_failures_ = 0;
  if (!open_.exchange(false)) return;
  if (options_.metrics) options_.metrics->redis_circuit_open.set(0);
  if (options_.log) {
    options_.log->message(LogLevel::info, "redis available again",
                          {{"redis", options_.endpoint.describe()}});
  }
}

core::Result<RedisClient::Connection> RedisClient::connect() {
  const RedisEndpoint& where = options_.endpoint;
  Connection connection(
      redisConnectWithTimeout(where.host.c_str(), where.port, to_timeval(options_.timeout)));
  if (!connection) return failed("cannot allocate a connection", "connect");
  if (connection->err)
    return failed(std::string("cannot connect: ") + connection->errstr, "connect");
  redisSetTimeout(connection.get(), to_timeval(options_.timeout));
  redisEnableKeepAlive(connection.get());
  std::vector<std::vector<std::string>> setup;
  if (!where.password.empty()) {
    if (where.username.empty()) {
      setup.push_back({"AUTH", where.password});
    } else {
      setup.push_back({"AUTH", where.username, where.password});
    }
  }
  if (where.db != 0) setup.push_back({"SELECT", std::to_string(where.db)});
  for (const auto& args : setup) append(connection.get(), args);
  const auto replies = exchange(connection.get(), setup.size());
  if (!replies)
    return failed(std::string("no answer while connecting: ") + connection->errstr, "io");
  for (const auto& reply : *replies) {
    if (reply.is_error()) return failed("refused the connection: " + reply.text, "auth");
  }
  return connection;
}

core::Result<RedisClient::Connection> RedisClient::acquire() {
  if (auto refused = refused_by_circuit()) return *refused;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      Connection connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return connect();
}

void RedisClient::release(Connection connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

core::Result<RedisReply> RedisClient::command(const std::vector<std::string>& args,
                                              std::optional<std::chrono::milliseconds> timeout) {
  auto connection = acquire();
  if (!connection) return connection.error();
  redisContext* context = connection->get();
  if (timeout) redisSetTimeout(context, to_timeval(*timeout));
  append(context, args);
  auto replies = exchange(context, 1);
  if (!replies) {
    const bool timed_out = context->err == REDIS_ERR_IO && (errno == EAGAIN || errno == ETIMEDOUT);
    return failed(std::string(args.empty() ? "" : args.front()) + " failed: " + context->errstr,
                  timed_out ? "timeout" : "io");
  }
  if (timeout) redisSetTimeout(context, to_timeval(options_.timeout));
  succeeded();
  if (context->err == 0) release(std::move(*connection));  // never pool a broken connection
  return std::move(replies->front());
}

core::Result<std::vector<RedisReply>> RedisClient::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  auto connection = acquire();
  if (!connection) return connection.error();
  redisContext* context = connection->get();
  for (const auto& args : commands) append(context, args);
  auto replies = exchange(context, commands.size());
  if (!replies) return failed(std::string("pipeline failed: ") + context->errstr, "io");
  succeeded();
  if (context->err == 0) release(std::move(*connection));
  return std::move(*replies);
}

}  // namespace earshot::service
