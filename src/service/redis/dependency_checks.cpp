#include "service/redis/dependency_checks.hpp"

#include <hiredis/hiredis.h>

#include <memory>
#include <string_view>

namespace earshot::service {
namespace {

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

timeval to_timeval(std::chrono::milliseconds timeout) {
  return timeval{static_cast<time_t>(timeout.count() / 1000),
                 static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
}

}  // namespace

std::optional<std::string> redis_problem(const std::string& host, std::uint16_t port,
                                         std::chrono::milliseconds timeout) {
  const timeval tv = to_timeval(timeout);
  std::unique_ptr<redisContext, ContextDeleter> context(
      redisConnectWithTimeout(host.c_str(), port, tv));
  if (!context) return "cannot allocate a Redis connection";
  if (context->err) return "unreachable: " + std::string(context->errstr);
  if (redisSetTimeout(context.get(), tv) != REDIS_OK) return "cannot set a timeout";
  std::unique_ptr<redisReply, ReplyDeleter> reply(
      static_cast<redisReply*>(redisCommand(context.get(), "PING")));
  if (!reply) return "no answer: " + std::string(context->errstr);
  if (reply->type == REDIS_REPLY_STATUS && std::string_view(reply->str, reply->len) == "PONG") {
    return std::nullopt;
  }
  if (reply->type == REDIS_REPLY_ERROR &&
      std::string_view(reply->str, reply->len).starts_with("NOAUTH")) {
    return std::nullopt;
  }
  return "unexpected answer to PING";
}

}  // namespace earshot::service
