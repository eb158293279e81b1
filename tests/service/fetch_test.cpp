// The downloader against a loopback test server (allow_private = true): what a client of
// `earshot serve` would see for a good file, an upstream error, redirects, a non-audio page, a
// stalled server and a body over the cap. Only 127.0.0.1 is ever contacted.
#include "service/outbound/fetch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "service/test_http_server.hpp"

namespace earshot::service {
namespace {

using core::ErrorCode;
using std::chrono::milliseconds;
using testing::TestHttpServer;

FetchOptions loopback_options() {
  FetchOptions options;
  options.policy.allow_private = true;
  options.connect_timeout = milliseconds(2000);
  options.total_timeout = milliseconds(5000);
  return options;
}

Fetcher make_fetcher(FetchOptions options) {
  auto fetcher = Fetcher::create(std::move(options));
  EXPECT_TRUE(fetcher.ok());
  return std::move(fetcher).value();
}

class FetchTest : public ::testing::Test {
 protected:
  TestHttpServer server_;
  Fetcher fetcher_ = make_fetcher(loopback_options());
};

TEST_F(FetchTest, DownloadsAnAudioFile) {
  const auto download = fetcher_.fetch(server_.url("/audio.wav"));
  ASSERT_TRUE(download.ok()) << download.error().message;
  const std::string expected = TestHttpServer::audio_body();
  EXPECT_EQ(std::string(download->bytes.begin(), download->bytes.end()), expected);
  EXPECT_EQ(download->content_type, "audio/wav");
  EXPECT_EQ(download->status, 200);
  EXPECT_EQ(download->final_url, server_.url("/audio.wav"));
}

TEST_F(FetchTest, ContentTypeIsMatchedWithoutCaseOrParameters) {
  const auto download = fetcher_.fetch(server_.url("/typed"));
  ASSERT_TRUE(download.ok()) << download.error().message;
  EXPECT_EQ(download->content_type, "Audio/WAV; codec=1");
}

TEST_F(FetchTest, AnEmptyAudioBodyIsReturnedEmpty) {
  const auto download = fetcher_.fetch(server_.url("/empty"));
  ASSERT_TRUE(download.ok()) << download.error().message;
  EXPECT_TRUE(download->bytes.empty());
}

TEST_F(FetchTest, UpstreamStatusIsReportedWithItsReason) {
  const auto missing = fetcher_.fetch(server_.url("/missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(missing.error().message, "Download failed: 404 Not Found");

  const auto teapot = fetcher_.fetch(server_.url("/teapot"));
  ASSERT_FALSE(teapot.ok());
  EXPECT_EQ(teapot.error().message, "Download failed: 418");
}

TEST_F(FetchTest, FollowsARedirectChain) {
  const auto download = fetcher_.fetch(server_.url("/r1"));
  ASSERT_TRUE(download.ok()) << download.error().message;
  EXPECT_EQ(download->final_url, server_.url("/audio.wav"));
  EXPECT_EQ(download->bytes.size(), TestHttpServer::audio_body().size());
  EXPECT_EQ(server_.requests(), 3);
}

TEST_F(FetchTest, StopsARedirectLoopAtTheLimit) {
  const auto download = fetcher_.fetch(server_.url("/loop"));
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(download.error().message, "Too many redirects (limit 5)");
  EXPECT_EQ(server_.requests(), 6);  // the first request and five redirects
}

TEST_F(FetchTest, RedirectLimitIsConfigurable) {
  auto options = loopback_options();
  options.max_redirects = 1;
  const auto download = make_fetcher(options).fetch(server_.url("/r1"));
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().message, "Too many redirects (limit 1)");
}

TEST_F(FetchTest, RefusesARedirectToAnotherScheme) {
  const auto download = fetcher_.fetch(server_.url("/to-ftp"));
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(FetchTest, RefusesAPageThatIsNotAudio) {
  const auto download = fetcher_.fetch(server_.url("/page.html"));
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().code, ErrorCode::unsupported_format);
  EXPECT_EQ(download.error().message, "Content type text/html is not audio");
}

TEST_F(FetchTest, TimesOutOnAStalledServer) {
  auto options = loopback_options();
  options.total_timeout = milliseconds(1000);
  const auto started = std::chrono::steady_clock::now();
  const auto download = make_fetcher(options).fetch(server_.url("/slow"));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().code, ErrorCode::download_failed);
  EXPECT_EQ(download.error().message, "Download timed out");
  EXPECT_LT(took, milliseconds(6000));  // /slow would answer after 10 s
}

TEST_F(FetchTest, StopsAnEndlessBodyAtTheCap) {
  auto options = loopback_options();
  options.max_bytes = 64 * 1024;
  const auto download = make_fetcher(options).fetch(server_.url("/endless"));
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().code, ErrorCode::too_large);
  EXPECT_EQ(download.error().message, "Download is larger than the limit of 65536 bytes");
}

TEST_F(FetchTest, RefusesADeclaredLengthOverTheCap) {
  auto options = loopback_options();
  options.max_bytes = 64 * 1024;
  const auto download = make_fetcher(options).fetch(server_.url("/huge"));
  ASSERT_FALSE(download.ok());
  EXPECT_EQ(download.error().code, ErrorCode::too_large);
}

TEST_F(FetchTest, BodyExactlyAtTheCapIsAccepted) {
  auto options = loopback_options();
  options.max_bytes = TestHttpServer::audio_body().size();
  const auto download = make_fetcher(options).fetch(server_.url("/audio.wav"));
  ASSERT_TRUE(download.ok()) << download.error().message;

  options.max_bytes -= 1;
  const auto over = make_fetcher(options).fetch(server_.url("/audio.wav"));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::too_large);
}

TEST_F(FetchTest, OneFetcherServesSeveralThreadsAtOnce) {
  // Each call owns its curl handle; the shared Fetcher is read-only.
  std::vector<std::thread> threads;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (fetcher_.fetch(server_.url("/audio.wav")).ok()) ++succeeded;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 4);
  EXPECT_EQ(server_.requests(), 4);
}

TEST(FetcherOptions, DefaultsAreTheDocumentedOnes) {
  const auto fetcher = Fetcher::create({});
  ASSERT_TRUE(fetcher.ok());
  EXPECT_EQ(fetcher->options().max_bytes, 200'000'000u);
  EXPECT_EQ(fetcher->options().max_redirects, 5);
  EXPECT_EQ(fetcher->options().connect_timeout, milliseconds(10'000));
  EXPECT_EQ(fetcher->options().total_timeout, milliseconds(120'000));
  EXPECT_FALSE(fetcher->options().policy.allow_private);
}

TEST(FetcherOptions, InvalidOptionsAreRefusedByName) {
  FetchOptions zero_cap;
  zero_cap.max_bytes = 0;
  FetchOptions negative_redirects;
  negative_redirects.max_redirects = -1;
  FetchOptions zero_timeout;
  zero_timeout.total_timeout = milliseconds(0);
  const std::pair<FetchOptions, std::string> cases[] = {
      {zero_cap, "max_bytes"},
      {negative_redirects, "max_redirects"},
      {zero_timeout, "total_timeout"},
  };
  for (const auto& [options, name] : cases) {
    const auto fetcher = Fetcher::create(options);
    ASSERT_FALSE(fetcher.ok()) << name;
    EXPECT_EQ(fetcher.error().code, ErrorCode::invalid_input);
    EXPECT_NE(fetcher.error().message.find(name), std::string::npos);
  }
}

TEST(HttpStatus, CommonReasonsAreNamed) {
  EXPECT_EQ(describe_status(404), "404 Not Found");
  EXPECT_EQ(describe_status(503), "503 Service Unavailable");
  EXPECT_EQ(describe_status(599), "599");
}

}  // namespace
}  // namespace earshot::service
