// A real redis-server for the tests that need one: started on a free 127.0.0.1 port with no
// persistence, waited for until it answers PING, and stopped (SIGKILL, then waited for) by the
// destructor, so no test leaves one running.
//
//   test::RedisServer redis;           // throws std::runtime_error if it cannot start
//   config.redis_host = "127.0.0.1";
//   config.redis_port = redis.port();
//   redis.stop();                      // "Redis went down": the port refuses connections
//   redis.start();                     // back on the same port, empty
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace earshot::test {

class RedisServer {
 public:
  RedisServer();
  // On the given port (a test that restarts Redis needs the same one); throws if it is taken.
  explicit RedisServer(std::uint16_t port);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  bool running() const { return pid_ >= 0; }

  // Stops the server (SIGKILL, as a crash would) and waits for it; nothing when stopped.
  void stop();
  // Starts it again on the same port, with no data; throws std::runtime_error if it cannot.
  void start();

  // A port on 127.0.0.1 that nothing listens on (bound and released), for "unreachable" tests.
  static std::uint16_t unused_port();

 private:
  // One try on port_: true once it answers PING.
  bool try_start();

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace earshot::test
