// The real server on 127.0.0.1 (a free port), driven by Beast's synchronous client: routes and
// statuses, downloads from a loopback file server, concurrency, overload, keep-alive, the body
// limit and a graceful stop. Every server and thread is stopped by the test that started it.
#include "service/server/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "analysis/analyzer.hpp"
#include "service/app/app.hpp"
#include "service/json_lines.hpp"
#include "service/server/request_pool.hpp"
#include "service/telemetry/metrics.hpp"
#include "service/test_http_server.hpp"
#include "support/redis_server.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::service {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string body;
  http::fields headers;
  std::string header(std::string_view name) const { return std::string(headers[name]); }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// One HTTP/1.1 connection to the server under test.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(io_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  Reply send(http::verb method, const std::string& target, const std::string& body = "",
             const std::string& content_type = "", bool keep_alive = false,
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.keep_alive(keep_alive);
    request.prepare_payload();
    http::write(stream_, request);
    return read(method == http::verb::head);
  }

  Reply read(bool head = false) {
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);  // a response to HEAD has Content-Length but no body
    http::read(stream_, buffer, parser);
    auto response = parser.release();
    Reply reply{static_cast<int>(response.result_int()), response.body(), {}};
    for (const auto& field : response) reply.headers.set(field.name_string(), field.value());
    return reply;
  }

  beast::tcp_stream& stream() { return stream_; }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
};

Config test_config() {
  Config config;
  config.api_host = "127.0.0.1";
  config.api_port = 0;
  config.api_title = "earshot";
  config.api_version = "1.2.3";
  config.allow_private_urls = true;
  config.worker_threads = 2;
  config.max_queue = 64;
  config.max_upload_bytes = 1024 * 1024;
  config.request_timeout = std::chrono::seconds(10);
  config.download_timeout = std::chrono::seconds(10);
  config.shutdown_grace = std::chrono::seconds(5);
  return config;
}

std::unique_ptr<Server> start(const Config& config) {
  auto server = app::start_server(config, {.console_log = false});
  if (!server) ADD_FAILURE() << server.error().message;
  return server ? std::move(*server) : nullptr;
}

std::string sine_wav() {
  std::vector<float> samples(8000);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i] = 0.5f * static_cast<float>(std::sin(2.0 * M_PI * 440.0 * i / 16000.0));
  }
  auto bytes = test::encode_wav(samples, {.sample_rate = 16000});
  return std::string(bytes.begin(), bytes.end());
}

nlohmann::json analyzer_json(const std::string& bytes) {
  auto result = analysis::Analyzer{}.analyze_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  EXPECT_TRUE(result.ok());
  return result ? nlohmann::json::parse(analysis::to_json(*result).dump()) : nlohmann::json{};
}

// Serves `body` as audio/wav to exactly one HTTP request on 127.0.0.1, then its thread ends.
class OneShotWavServer {
 public:
  explicit OneShotWavServer(std::string body)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, body = std::move(body)] {
      beast::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      http::response<http::string_body> response{http::status::ok, 11};
      response.set(http::field::content_type, "audio/wav");
      response.body() = body;
      response.keep_alive(false);
      response.prepare_payload();
      http::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_send, ec);
    });
  }
  ~OneShotWavServer() {
    beast::error_code ec;
    // Unblocks accept() when no request came.
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/a.wav";
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

std::string audio_url_body(const std::string& url) {
  return nlohmann::json{{"audio_url", url}}.dump();
}

// Waits until the pool's threads have taken every queued job.
void wait_until_taken(const RequestPool& pool) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (pool.queued() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Occupies a one-thread pool with a job that waits for `release`, then fills its queue with
// more such jobs until it refuses one.
int fill_pool(RequestPool& pool, std::shared_future<void> release) {
  int jobs = pool.try_submit([release] { release.wait(); }) ? 1 : 0;
  wait_until_taken(pool);
  while (pool.try_submit([release] { release.wait(); })) ++jobs;
  return jobs;
}

TEST(Server, SimpleRoutes) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  const auto port = server->port();
  auto root = Client(port).send(http::verb::get, "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.json(), (nlohmann::json{{"message", "earshot 1.2.3"}}));
  auto live = Client(port).send(http::verb::get, "/health/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.json(), (nlohmann::json{{"status", "ok"}}));
  auto ready = Client(port).send(http::verb::get, "/health/ready");
  EXPECT_EQ(ready.json()["status"], "ready");
  auto missing = Client(port).send(http::verb::get, "/missing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json(), (nlohmann::json{{"detail", "Not Found"}}));
  auto wrong = Client(port).send(http::verb::get, "/analyze-audio");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.json(), (nlohmann::json{{"detail", "Method Not Allowed"}}));
  EXPECT_EQ(wrong.header("Allow"), "POST");
  auto media = Client(port).send(http::verb::post, "/analyze", "hi", "text/plain");
  EXPECT_EQ(media.status, 415);
}

TEST(Server, AnalyzeAudioFromUrl) {
  testing::TestHttpServer files;
  auto server = start(test_config());
  ASSERT_TRUE(server);
  const auto port = server->port();

  const auto wav = sine_wav();
  {
    OneShotWavServer wav_server(wav);
    auto ok = Client(port).send(http::verb::post, "/analyze-audio",
                                audio_url_body(wav_server.url()), "application/json");
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json()["status"], "success");
    EXPECT_EQ(ok.json()["data"], analyzer_json(wav));
  }

  // The loopback file server's /audio.wav is not a file the analyzer accepts: the route gives
  // exactly the analyzer's own error for those bytes.
  auto ramp = Client(port).send(http::verb::post, "/analyze-audio",
                                audio_url_body(files.url("/audio.wav")), "application/json");
  EXPECT_EQ(ramp.status, 400);
  const auto ramp_bytes = testing::TestHttpServer::audio_body();
  auto ramp_result = analysis::Analyzer{}.analyze_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(ramp_bytes.data()), ramp_bytes.size()));
  ASSERT_FALSE(ramp_result.ok());
  EXPECT_EQ(ramp.json(), (nlohmann::json{{"detail", ramp_result.error().message}}));

  auto missing = Client(port).send(http::verb::post, "/analyze-audio",
                                   audio_url_body(files.url("/missing")), "application/json");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.json(), (nlohmann::json{{"detail", "Download failed: 404 Not Found"}}));

  auto html = Client(port).send(http::verb::post, "/analyze-audio",
                                audio_url_body(files.url("/page.html")), "application/json");
  EXPECT_EQ(html.status, 400);
  EXPECT_TRUE(html.json()["detail"].is_string());
}

TEST(Server, AnalyzeAudioDownloadOverItsLimitIs413) {
  testing::TestHttpServer files;  // /huge declares a 1 GB body
  auto server = start(test_config());
  ASSERT_TRUE(server);
  auto reply = Client(server->port())
                   .send(http::verb::post, "/analyze-audio", audio_url_body(files.url("/huge")),
                         "application/json");
  EXPECT_EQ(reply.status, 413);
  EXPECT_TRUE(reply.json()["detail"].is_string());
}

TEST(Server, AnalyzeAudioRefusesPrivateAddressesByDefault) {
  testing::TestHttpServer files;
  auto config = test_config();
  config.allow_private_urls = false;
  auto server = start(config);
  ASSERT_TRUE(server);
  auto reply = Client(server->port())
                   .send(http::verb::post, "/analyze-audio",
                         audio_url_body(files.url("/audio.wav")), "application/json");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(files.requests(), 0);
}

TEST(Server, AnalyzeAudioValidation) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  auto bad = Client(server->port())
                 .send(http::verb::post, "/analyze-audio", "{not json", "application/json");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["detail"][0]["type"], "value_error.jsondecode");
  auto missing =
      Client(server->port()).send(http::verb::post, "/analyze-audio", "{}", "application/json");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.json(), nlohmann::json::parse(R"({"detail":[{"loc":["body","audio_url"],
              "msg":"field required","type":"value_error.missing"}]})"));
}

TEST(Server, TwoHundredConcurrentRequestsAreAllAnsweredCorrectly) {
  auto config = test_config();
  config.max_queue = 256;  // every request fits: this test is about correctness, not overload
  auto server = start(config);
  ASSERT_TRUE(server);
  const auto wav = sine_wav();
  const auto expected = analyzer_json(wav);
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < 200; ++i) {
    replies.push_back(std::async(std::launch::async, [&] {
      return Client(server->port()).send(http::verb::post, "/analyze", wav, "audio/wav");
    }));
  }
  for (auto& reply : replies) {
    auto r = reply.get();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["data"], expected);
  }
}

TEST(Server, FullQueueAnswers503WithRetryAfter) {
  auto config = test_config();
  config.worker_threads = 1;
  config.max_queue = 1;
  auto server = start(config);
  ASSERT_TRUE(server);
  std::promise<void> release;
  const int jobs = fill_pool(server->request_pool(), release.get_future().share());
  EXPECT_EQ(jobs, 2);  // one running, one queued
  auto busy = Client(server->port()).send(http::verb::post, "/analyze", sine_wav(), "audio/wav");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.header("Retry-After"), "1");
  EXPECT_EQ(busy.json(), (nlohmann::json{{"detail", "Server busy, retry later"}}));
  // Cheap routes never queue.
  EXPECT_EQ(Client(server->port()).send(http::verb::get, "/health/live").status, 200);
  release.set_value();
}

TEST(Server, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  Client client(server->port());
  EXPECT_EQ(client.send(http::verb::get, "/", "", "", true).status, 200);
  auto second = client.send(http::verb::post, "/analyze", sine_wav(), "audio/wav", true);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(client.send(http::verb::get, "/health/ready", "", "", false).status, 200);
}

TEST(Server, AnalyzeMultipartUpload) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  const auto wav = sine_wav();
  const std::string body =
      "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
      "Content-Type: audio/wav\r\n\r\n" +
      wav + "\r\n--b0undary--\r\n";
  auto reply =
      Client(server->port())
          .send(http::verb::post, "/analyze", body, "multipart/form-data; boundary=b0undary");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["data"], analyzer_json(wav));
}

TEST(Server, BodyOverUploadLimitIs413) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  Client client(server->port());
  const std::string head =
      "POST /analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\n"
      "Content-Length: 2000000\r\n\r\n";
  asio::write(client.stream().socket(), asio::buffer(head));
  auto reply = client.read();
  EXPECT_EQ(reply.status, 413);
  EXPECT_TRUE(reply.json()["detail"].is_string());
  // Answered before routing, but counted under the route it was for.
  EXPECT_EQ(server->metrics().requests.value({"/analyze", "POST", "413"}), 1.0);
}

TEST(Server, StopAnswersQueuedRequests503AndWaitsForRunningWork) {
  auto config = test_config();
  config.worker_threads = 1;
  config.max_queue = 4;
  auto server = start(config);
  ASSERT_TRUE(server);
  std::promise<void> release;
  std::atomic<bool> blocker_done{false};
  ASSERT_TRUE(server->request_pool().try_submit([f = release.get_future().share(), &blocker_done] {
    f.wait();
    blocker_done = true;
  }));  // occupies the only worker
  wait_until_taken(server->request_pool());
  const auto port = server->port();
  auto queued = std::async(std::launch::async, [port] {
    return Client(port).send(http::verb::post, "/analyze", sine_wav(), "audio/wav");
  });
  // Wait until the request is queued behind the blocker, then stop while it waits.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server->request_pool().queued() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(server->request_pool().queued(), 1u);
  auto stopper = std::async(std::launch::async, [&] { return server->stop(); });
  // The queued request is answered at once, while the running work is still running.
  auto reply = queued.get();
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.json(), (nlohmann::json{{"detail", "Server shutting down, retry later"}}));
  EXPECT_EQ(reply.header("Retry-After"), "1");
  EXPECT_FALSE(blocker_done);
  release.set_value();
  EXPECT_TRUE(stopper.get());  // the running work finished within the grace period
  EXPECT_TRUE(blocker_done);
  EXPECT_EQ(server->metrics().rejected.value({"shutting_down"}), 1.0);
  // No longer accepting.
  EXPECT_THROW(Client{port}, boost::system::system_error);
}

TEST(Server, StopClosesIdleKeepAliveConnectionsAtOnce) {
  auto config = test_config();
  config.shutdown_grace = std::chrono::seconds(30);
  auto server = start(config);
  ASSERT_TRUE(server);
  Client idle(server->port());
  EXPECT_EQ(idle.send(http::verb::get, "/health/live", "", "", true).status, 200);
  const auto begin = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));  // not the 30 s
}

TEST(Server, HeadSendsGetsHeadersWithoutTheBody) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  auto get = Client(server->port()).send(http::verb::get, "/health/live");
  auto head = Client(server->port()).send(http::verb::head, "/health/live");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
  EXPECT_EQ(head.header("Content-Type"), "application/json");
}

TEST(Server, RequestIdIsEchoedOrMade) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  auto given = Client(server->port())
                   .send(http::verb::get, "/", "", "", false, {{"X-Request-ID", "trace-42.a"}});
  EXPECT_EQ(given.header("X-Request-ID"), "trace-42.a");
  auto made = Client(server->port()).send(http::verb::get, "/");
  EXPECT_EQ(made.header("X-Request-ID").size(), 16u);
  auto unsafe = Client(server->port())
                    .send(http::verb::get, "/", "", "", false, {{"X-Request-ID", "a b\"c"}});
  EXPECT_EQ(unsafe.header("X-Request-ID").size(), 16u);
  EXPECT_NE(unsafe.header("X-Request-ID"), made.header("X-Request-ID"));
}

// The value of one sample line of the /metrics text, or -1 when absent.
double metric_value(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(Server, MetricsCountRequestsByRouteAndStatus) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  const auto port = server->port();
  for (int i = 0; i < 3; ++i) Client(port).send(http::verb::get, "/health/live");
  Client(port).send(http::verb::get, "/no/such/page");
  Client(port).send(http::verb::post, "/analyze", sine_wav(), "audio/wav");
  // A request is counted once its response is written, which may be just after the client has
  // read it: scrape until every one shows.
  const std::string analyzed =
      R"(earshot_http_request_duration_seconds_count{route="/analyze",status="200"})";
  const std::string live =
      R"(earshot_http_requests_total{route="/health/live",method="GET",status="200"})";
  const std::string unmatched =
      R"(earshot_http_requests_total{route="unmatched",method="GET",status="404"})";
  const auto all_counted = [&](const std::string& text) {
    return metric_value(text, analyzed) == 1 && metric_value(text, live) == 3 &&
           metric_value(text, unmatched) == 1;
  };
  Reply reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    reply = Client(port).send(http::verb::get, "/metrics");
  } while (!all_counted(reply.body) && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = reply.body;
  EXPECT_EQ(metric_value(text, analyzed), 1);
  EXPECT_EQ(metric_value(text, live), 3);
  EXPECT_EQ(metric_value(text, unmatched), 1);
  EXPECT_EQ(metric_value(text, "earshot_audio_seconds_analyzed_total"), 0.5);
  EXPECT_EQ(metric_value(text, "earshot_analysis_duration_seconds_count"), 1);
  EXPECT_GE(metric_value(text, "earshot_http_requests_in_flight"), 1);  // the scrape itself
  EXPECT_EQ(metric_value(text, "earshot_analysis_queue_depth"), 0);
}

TEST(Server, RequestOverItsDeadlineIs504) {
  testing::TestHttpServer files;  // /slow sends its headers after 10 s
  auto config = test_config();
  config.request_timeout = std::chrono::seconds(1);
  auto server = start(config);
  ASSERT_TRUE(server);
  const auto begin = std::chrono::steady_clock::now();
  auto reply = Client(server->port())
                   .send(http::verb::post, "/analyze-audio", audio_url_body(files.url("/slow")),
                         "application/json");
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(6));
  EXPECT_EQ(reply.status, 504);
  EXPECT_EQ(reply.json(), (nlohmann::json{{"detail", "Request timed out after 1 s"}}));
  EXPECT_EQ(server->metrics().rejected.value({"timeout"}), 1.0);
}

TEST(Server, DocsAndOpenApiAreServed) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  auto openapi = Client(server->port()).send(http::verb::get, "/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.json()["info"]["version"], "1.2.3");
  auto page = Client(server->port()).send(http::verb::get, "/docs");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  auto bundle = Client(server->port()).send(http::verb::get, "/docs/swagger-ui-bundle.js");
  EXPECT_EQ(bundle.status, 200);
  EXPECT_GT(bundle.body.size(), 100'000u);
  EXPECT_EQ(Client(server->port()).send(http::verb::get, "/docs/../CMakeLists.txt").status, 404);
}

TEST(Server, LogsOneJsonLinePerRequestWithTheCauseOfA5xx) {
  test::TempDir dir;
  auto config = test_config();
  config.log_dir = dir.path();
  // Redis is configured but nothing listens there: submitting a job fails on the server's
  // side (503), and the log line says why.
  config.redis_host = "127.0.0.1";
  config.redis_port = test::RedisServer::unused_port();
  {
    auto server = start(config);
    ASSERT_TRUE(server);
    Client(server->port())
        .send(http::verb::get, "/health/live", "", "", false, {{"X-Request-ID", "req-1"}});
    auto failed = Client(server->port())
                      .send(http::verb::post, "/jobs", audio_url_body("http://127.0.0.1:1/a"),
                            "application/json", false, {{"X-Request-ID", "req-2"}});
    EXPECT_EQ(failed.status, 503);
  }  // stopping flushes the log
  // By request id: each line is written once its response is sent, so the first request's
  // line may come after the second's.
  std::map<std::string, nlohmann::json> requests;
  for (auto& line : testing::read_json_lines(dir.file("earshot.log"))) {
    if (line["msg"] == "request") requests[line.value("request_id", "")] = line;
  }
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_TRUE(requests.contains("req-1") && requests.contains("req-2"));
  const auto& live = requests["req-1"];
  EXPECT_EQ(live["route"], "/health/live");
  EXPECT_EQ(live["status"], 200);
  EXPECT_GE(live["latency_ms"].get<double>(), 0.0);
  EXPECT_EQ(live["remote"], "127.0.0.1");
  EXPECT_FALSE(live.contains("error"));
  const auto& failed_line = requests["req-2"];
  EXPECT_EQ(failed_line["level"], "error");
  EXPECT_EQ(failed_line["status"], 503);
  const std::string cause = failed_line["error"];
  EXPECT_NE(cause.find("cannot connect"), std::string::npos) << cause;
}

TEST(Server, ExpectContinueIsAnsweredBeforeTheBody) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  const auto wav = sine_wav();
  Client client(server->port());
  const std::string head =
      "POST /analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(wav.size()) + "\r\n\r\n";
  asio::write(client.stream().socket(), asio::buffer(head));
  std::string interim;
  client.stream().expires_after(std::chrono::seconds(10));
  asio::read_until(client.stream(), asio::dynamic_buffer(interim), "\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  asio::write(client.stream().socket(), asio::buffer(wav));
  EXPECT_EQ(client.read().status, 200);
}

TEST(Server, ExpectContinueOverTheLimitIs413WithoutContinue) {
  auto server = start(test_config());  // MAX_UPLOAD_BYTES 1 MiB
  ASSERT_TRUE(server);
  Client client(server->port());
  const std::string head =
      "POST /analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\n"
      "Expect: 100-continue\r\nContent-Length: 5000000\r\n\r\n";
  asio::write(client.stream().socket(), asio::buffer(head));
  EXPECT_EQ(client.read().status, 413);
}

// The status a request written raw gets; the server closes the connection after it.
int raw_status(std::uint16_t port, const std::string& text) {
  Client client(port);
  asio::write(client.stream().socket(), asio::buffer(text));
  return client.read().status;
}

TEST(Server, MalformedRequestsAreAnsweredCountedAndClosed) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  const auto port = server->port();
  EXPECT_EQ(raw_status(port, "GARBAGE\r\n\r\n"), 400);
  EXPECT_EQ(raw_status(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
                                 "\r\n\r\n"),
            431);
  EXPECT_EQ(raw_status(port, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
            414);
  EXPECT_EQ(raw_status(port,
                       "POST /analyze HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
                       "Transfer-Encoding: chunked\r\n\r\nzz\r\n"),
            400);
  const auto& metrics = server->metrics();
  EXPECT_EQ(metrics.rejected.value({"malformed"}), 2.0);
  EXPECT_EQ(metrics.rejected.value({"header_too_large"}), 1.0);
  EXPECT_EQ(metrics.rejected.value({"uri_too_long"}), 1.0);
  EXPECT_EQ(metrics.requests.value({"unmatched", "-", "400"}), 1.0);
  EXPECT_EQ(metrics.requests.value({"/analyze", "POST", "400"}), 1.0);
}

TEST(Server, JsonRouteBodyOverItsOwnLimitIs413EvenChunked) {
  auto server = start(test_config());
  ASSERT_TRUE(server);
  // 64 KiB of JSON in 4 KiB chunks: far under MAX_UPLOAD_BYTES, over the route's own limit.
  std::string text =
      "POST /analyze-audio HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 16; ++i) text += "1000\r\n" + std::string(4096, '[') + "\r\n";
  EXPECT_EQ(raw_status(server->port(), text), 413);
}

TEST(Server, BodiesOverTheBudgetAre503WithRetryAfter) {
  auto config = test_config();
  config.body_budget_bytes = 100000;
  auto server = start(config);
  ASSERT_TRUE(server);
  // One client holds most of the budget with a body it has not sent. The server reserves the
  // budget before it answers 100 Continue, so once that line is read the budget is taken.
  Client holder(server->port());
  const std::string held =
      "POST /analyze HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
      "Expect: 100-continue\r\nContent-Length: 90000\r\n\r\n";
  asio::write(holder.stream().socket(), asio::buffer(held));
  std::string interim;
  holder.stream().expires_after(std::chrono::seconds(10));
  asio::read_until(holder.stream().socket(), asio::dynamic_buffer(interim), "\r\n\r\n");
  ASSERT_TRUE(interim.starts_with("HTTP/1.1 100")) << interim;

  Client client(server->port());
  const std::string head =
      "POST /analyze HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
      "X-Request-ID: budget-1\r\nContent-Length: 20000\r\n\r\n";
  asio::write(client.stream().socket(), asio::buffer(head));
  const Reply reply = client.read();
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.header("Retry-After"), "1");
  EXPECT_EQ(reply.header("X-Request-ID"), "budget-1");  // the client's own, as on every answer
  EXPECT_GE(server->metrics().rejected.value({"body_budget"}), 1.0);
}

TEST(Server, IdleKeepAliveConnectionIsClosedAfterItsTimeout) {
  auto config = test_config();
  config.keep_alive_timeout = std::chrono::seconds(1);
  auto server = start(config);
  ASSERT_TRUE(server);
  Client client(server->port());
  EXPECT_EQ(client.send(http::verb::get, "/health/live", "", "", true).status, 200);
  std::array<char, 16> byte{};
  client.stream().expires_after(std::chrono::seconds(10));
  beast::error_code ec;
  client.stream().read_some(asio::buffer(byte), ec);  // blocks until the server closes
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(Server, HeadTrickledPastItsTimeoutIsCutOffAndCounted) {
  auto config = test_config();
  config.header_timeout = std::chrono::seconds(1);
  auto server = start(config);
  ASSERT_TRUE(server);
  Client client(server->port());
  asio::write(client.stream().socket(), asio::buffer(std::string("GET / HTTP/1.1\r\nHo")));
  std::array<char, 16> byte{};
  client.stream().expires_after(std::chrono::seconds(10));
  beast::error_code ec;
  client.stream().read_some(asio::buffer(byte), ec);  // the server cuts the connection
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  // Counted once the server's coroutine goes on after the cut, which may be just after the
  // client sees it.
  const auto& metrics = server->metrics();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (metrics.rejected.value({"header_timeout"}) == 0.0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(metrics.rejected.value({"header_timeout"}), 1.0);
  EXPECT_EQ(metrics.requests.value({"/", "GET", "408"}), 1.0);
}
}  // namespace
}  // namespace earshot::service
