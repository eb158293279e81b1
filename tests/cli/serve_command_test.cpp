// `earshot serve` as a process, the way an operator runs it: it lists its settings, refuses a
// bad one, serves on the port it is given, and exits 0 on SIGTERM after finishing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cli/run_earshot.hpp"
#include "support/redis_server.hpp"
#include "support/test_files.hpp"

extern char** environ;

namespace earshot::test {
namespace {

// One GET over a fresh connection; the whole response, or "" when nothing answers.
std::string http_get(std::uint16_t port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      ssize_t count = 0;
      while ((count = read(fd, buffer, sizeof buffer)) > 0) {
        response.append(buffer, static_cast<std::size_t>(count));
      }
    }
  }
  close(fd);
  return response;
}

TEST(ServeCommand, HelpListsEverySettingWithItsDefault) {
  const auto result = run_earshot({"serve", "--help"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* variable :
       {"API_HOST (default: 0.0.0.0)", "API_PORT (default: 8000)", "LOG_LEVEL (default: info)",
        "LOG_DIR", "MAX_QUEUE (default: 64)", "MAX_UPLOAD_BYTES", "ALLOW_PRIVATE_URLS",
        "REQUEST_TIMEOUT_SECONDS (default: 300)", "SHUTDOWN_GRACE_SECONDS (default: 30)",
        "REDIS_HOST", "CACHE_EXPIRATION_SECONDS", "SWAGGER_UI_DIR"}) {
    EXPECT_NE(result.out.find(variable), std::string::npos) << variable;
  }
}

// `earshot serve` on 127.0.0.1 at a port that was free a moment ago. Another test can take
// the port between that check and the bind; the server then exits at once, and it is started
// again on another port. Returns once /health/live answers 200, or 10 s have passed.
struct Serving {
  pid_t pid = -1;
  std::uint16_t port = 0;
};

Serving start_serving(const std::vector<std::string>& settings = {}) {
  Serving serving;
  for (int attempt = 0; attempt < 3; ++attempt) {
    serving.port = RedisServer::unused_port();
    std::vector<std::string> args = {EARSHOT_TEST_BINARY, "serve",  "--host",
                                     "127.0.0.1",         "--port", std::to_string(serving.port)};
    args.insert(args.end(), settings.begin(), settings.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&serving.pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      return {};
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool exited = false;
    while (!exited && std::chrono::steady_clock::now() < deadline) {
      if (http_get(serving.port, "/health/live").starts_with("HTTP/1.1 200")) return serving;
      int status = 0;
      exited = waitpid(serving.pid, &status, WNOHANG) == serving.pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) return serving;  // running but not answering: the test's checks will say
  }
  return {};
}

TEST(ServeCommand, ABadSettingStopsStartUpWithItsName) {
  test::TempDir dir;
  test::write_text(dir.file("bad.env"), "MAX_QUEUE=lots\n");
  const auto result = run_earshot({"serve", "--env-file", dir.file("bad.env").string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("MAX_QUEUE=\"lots\""), std::string::npos) << result.err;
}

TEST(ServeCommand, ServesUntilSigtermThenExitsZero) {
  const Serving serving = start_serving();
  const pid_t pid = serving.pid;
  const std::uint16_t port = serving.port;
  ASSERT_GT(pid, 0);
  const std::string live = http_get(port, "/health/live");
  EXPECT_NE(live.find("HTTP/1.1 200"), std::string::npos) << live;
  EXPECT_NE(live.find(R"({"status":"ok"})"), std::string::npos) << live;

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(http_get(port, "/health/live"), "");  // no longer listening
}

// The registry read anew on SIGHUP: a model added to the file appears in GET /models, and a
// broken file afterwards leaves the last good registry serving.
TEST(ServeCommand, SighupReloadsTheModelRegistry) {
  test::TempDir dir;
  test::write_text(dir.file("models.json"), R"({"content": {"predictor": "content"}})");
  test::write_text(dir.file("serve.env"),
                   "MODELS_CONFIG_PATH=" + dir.file("models.json").string() + "\n");
  const Serving serving = start_serving({"--env-file", dir.file("serve.env").string()});
  const pid_t pid = serving.pid;
  const std::uint16_t port = serving.port;
  ASSERT_GT(pid, 0);

  // Polls GET /models until its body holds `expected` (or 10 s pass).
  auto models_until = [&](const std::string& expected) {
    std::string body;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (body.find(expected) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      body = http_get(port, "/models");
    }
    return body;
  };
  EXPECT_NE(models_until(R"("default_model":"content")").find(R"("name":"content")"),
            std::string::npos);

  test::write_text(
      dir.file("models.json"),
      R"({"speech_or_not": {"predictor": "content"}, "content": {"predictor": "content"}})");
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  const auto reloaded = models_until(R"("default_model":"speech_or_not")");
  EXPECT_NE(reloaded.find(R"("name":"speech_or_not")"), std::string::npos) << reloaded;

  test::write_text(dir.file("models.json"), "{broken");
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_NE(http_get(port, "/models").find(R"("default_model":"speech_or_not")"),
            std::string::npos);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace earshot::test
