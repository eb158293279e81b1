// Small helpers over RedisClient for code that needs a command done, not a reply inspected:
// an error reply and a transport error both become "Redis did not do it" (unavailable).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "service/redis/redis_client.hpp"

namespace earshot::service {

core::Error redis_reply_error(std::string_view what, const RedisReply& reply);
// The reply of `args`, or unavailable for a transport error or an error reply.
core::Result<RedisReply> checked_command(RedisClient& redis, const std::vector<std::string>& args,
                                         std::optional<std::chrono::milliseconds> timeout = {});
// MULTI, `commands`, EXEC in one round trip; the EXEC reply (one reply per command).
core::Result<RedisReply> transaction(RedisClient& redis,
                                     const std::vector<std::vector<std::string>>& commands);

}  // namespace earshot::service
