#include "service/jobs_test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "service/local_redis.hpp"
#include "service/redis/redis_client.hpp"

namespace earshot::service::testing {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::shared_ptr<RedisClient> redis_client(std::uint16_t port) {
  RedisClientOptions options = local_redis(port);
  options.timeout = std::chrono::milliseconds(1000);  // worker processes load the machine
  options.open_for = std::chrono::milliseconds(100);
  return std::make_shared<RedisClient>(options);
}

RedisReply redis_call(RedisClient& redis, const std::vector<std::string>& args) {
  auto reply = redis.command(args);
  if (!reply) throw std::runtime_error(args.front() + ": " + reply.error().message);
  if (reply->is_error()) throw std::runtime_error(args.front() + ": " + reply->text);
  return std::move(*reply);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& arg : copy) args.push_back(arg.data());
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("cannot fork");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);  // the parent died before prctl
    const int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    execvp(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void ChildProcess::signal(int number) const {
  if (!reaped_) ::kill(pid_, number);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  std::optional<int> result;
  wait_until(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
        reaped_ = true;
        result = status;
        return true;
      },
      timeout, std::chrono::milliseconds(5));
  return result;
}

PostReceiver::PostReceiver(int status, int fail_first) : status_(status), fail_first_(fail_first) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (listener_ < 0 ||
      bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

PostReceiver::~PostReceiver() {
  stopping_.store(true);
  thread_.join();
  close(listener_);
}

std::string PostReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> PostReceiver::bodies() const {
  std::lock_guard lock(mutex_);
  return bodies_;
}

void PostReceiver::serve() {
  while (!stopping_.load()) {
    pollfd ready{listener_, POLLIN, 0};
    if (poll(&ready, 1, 50) <= 0) continue;
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval timeout{2, 0};
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    handle(client);
    close(client);
  }
}

void PostReceiver::handle(int client) {
  // Headers up to the blank line, then Content-Length bytes of body.
  std::string data;
  char buffer[4096];
  std::size_t header_end = std::string::npos;
  while (header_end == std::string::npos) {
    const ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    data.append(buffer, static_cast<std::size_t>(n));
    header_end = data.find("\r\n\r\n");
  }
  std::size_t content_length = 0;
  const std::string headers = data.substr(0, header_end);
  for (const char* name : {"Content-Length:", "content-length:"}) {
    if (const auto at = headers.find(name); at != std::string::npos) {
      content_length = std::stoul(headers.substr(at + std::strlen(name)));
    }
  }
  std::string body = data.substr(header_end + 4);
  while (body.size() < content_length) {
    const ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    body.append(buffer, static_cast<std::size_t>(n));
  }
  requests_.fetch_add(1);
  int status = status_;
  if (fail_first_.load() > 0) {
    fail_first_.fetch_sub(1);
    status = 500;
  }
  if (status >= 200 && status < 300) {
    std::lock_guard lock(mutex_);
    bodies_.push_back(body);
  }
  send_all(client, "HTTP/1.1 " + std::to_string(status) +
                       " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

}  // namespace earshot::service::testing
