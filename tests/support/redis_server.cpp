#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace earshot::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// True when a server on the port answers PING with +PONG.
bool answers_ping(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const sockaddr_in address = loopback(port);
  bool ok = false;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    timeval timeout{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const std::string ping = "PING\r\n";
    char reply[16] = {};
    ok = write(fd, ping.data(), ping.size()) == static_cast<ssize_t>(ping.size()) &&
         read(fd, reply, sizeof reply - 1) > 0 && std::string(reply).starts_with("+PONG");
  }
  close(fd);
  return ok;
}

}  // namespace

std::uint16_t RedisServer::unused_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

RedisServer::RedisServer() {
  // The port is free when chosen; another process could take it before redis binds it, so a
  // failed start is retried on a new port.
  for (int attempt = 0; attempt < 3 && pid_ < 0; ++attempt) {
    port_ = unused_port();
    try_start();
  }
  if (pid_ < 0) throw std::runtime_error("redis-server did not start (run scripts/setup)");
}

RedisServer::RedisServer(std::uint16_t port) : port_(port) {
  start();
}

RedisServer::~RedisServer() {
  stop();
}

void RedisServer::start() {
  if (pid_ >= 0) return;
  // A port just released by a killed server can linger briefly in the kernel; retry a little.
  for (int attempt = 0; attempt < 10 && pid_ < 0; ++attempt) {
    if (!try_start()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (pid_ < 0) {
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
  }
}

void RedisServer::stop() {
  if (pid_ < 0) return;
  // SIGKILL rather than SIGTERM: "Redis died" is what the tests simulate, and the port must be
  // closed when this returns.
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool RedisServer::try_start() {
  std::vector<std::string> args = {
      "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
      "--appendonly", "no",     "--loglevel",          "warning"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot fork for redis-server");
  if (pid == 0) {
    // The server dies with the test process, even one killed by a sanitizer's abort, and
    // keeps off its output: ctest waits for every holder of the test's pipes to exit.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execvp("redis-server", argv.data());
    _exit(127);  // not installed: the parent sees the exit and reports it
  }
  bool exited = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!exited && std::chrono::steady_clock::now() < deadline) {
    if (answers_ping(port_)) {
      pid_ = pid;
      return true;
    }
    int status = 0;
    exited = waitpid(pid, &status, WNOHANG) == pid;  // exited: port taken, try again
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  return false;
}

}  // namespace earshot::test
