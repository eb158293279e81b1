// Where Redis is: from REDIS_URL (`redis://[[user]:password@]host[:port][/db]`) or, when that
// is unset, from REDIS_HOST, REDIS_PORT and REDIS_DB as the Python services had them. No Redis
// configured (neither REDIS_URL nor REDIS_HOST) means the in-memory cache and job queue
// (Config::redis_endpoint()).
//
//   auto endpoint = service::parse_redis_url("redis://:secret@cache:6380/2");
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace earshot::service {

struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 6379;
  int db = 0;
  std::string username;  // ACL user (Redis 6+); empty: the default user
  std::string password;  // empty: no AUTH

  // "host:port/db", never the password (for logs and /health/ready).
  std::string describe() const;
  bool operator==(const RedisEndpoint&) const = default;
};

// Errors: invalid_input naming what is wrong (scheme, port, db, empty host). Percent-escapes
// in the user and password are decoded.
core::Result<RedisEndpoint> parse_redis_url(std::string_view url);

}  // namespace earshot::service
