// A real redis-server for the tests that need one: started on a free 127.0.0.1 port with no
// persistence, waited for until it answers PING, and stopped (SIGTERM, then waited for) by the
// destructor, so no test leaves one running.
//
//   test::RedisServer redis;           // throws std::runtime_error if it cannot start
//   config.redis_host = "127.0.0.1";
//   config.redis_port = redis.port();
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace earshot::test {

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }

  // A port on 127.0.0.1 that nothing listens on (bound and released), for "unreachable" tests.
  static std::uint16_t unused_port();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace earshot::test
