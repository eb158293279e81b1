#include "service/redis/redis_commands.hpp"

namespace earshot::service {

using core::Error;
using core::ErrorCode;

Error redis_reply_error(std::string_view what, const RedisReply& reply) {
  return Error{ErrorCode::unavailable, "Redis refused " + std::string(what) + ": " + reply.text};
}

core::Result<RedisReply> checked_command(RedisClient& redis, const std::vector<std::string>& args,
                                         std::optional<std::chrono::milliseconds> timeout) {
  auto reply = redis.command(args, timeout);
  if (!reply) return reply.error();
  if (reply->is_error()) return redis_reply_error(args.empty() ? "" : args.front(), *reply);
  return std::move(*reply);
}

core::Result<RedisReply> transaction(RedisClient& redis,
                                     const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::vector<std::string>> all;
  all.reserve(commands.size() + 2);
  all.push_back({"MULTI"});
  all.insert(all.end(), commands.begin(), commands.end());
  all.push_back({"EXEC"});
  auto replies = redis.pipeline(all);
  if (!replies) return replies.error();
  // A command refused while queueing (wrong arity, wrong type) aborts the EXEC with an error;
  // one failing while executing shows as an error element of the EXEC reply.
  RedisReply& exec = replies->back();
  if (exec.is_error()) return redis_reply_error("a transaction", exec);
  if (exec.type != RedisReply::Type::array) {
    return Error{ErrorCode::unavailable, "Redis discarded a transaction"};
  }
  for (const auto& element : exec.elements) {
    if (element.is_error()) return redis_reply_error("a command in a transaction", element);
  }
  return std::move(exec);
}

}  // namespace earshot::service
