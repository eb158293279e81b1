// What the downloader refuses before a byte reaches the server: loopback targets under the
// default policy (literal or by hostname), schemes other than http(s), and malformed URLs.
// The test server is loopback only; these tests assert it was never contacted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "service/fetch.hpp"
#include "service/test_http_server.hpp"

namespace earshot::service {
namespace {

using core::ErrorCode;
using testing::TestHttpServer;

class FetchRefusalTest : public ::testing::Test {
 protected:
  static Fetcher default_fetcher() {
    FetchOptions options;  // allow_private = false
    options.connect_timeout = std::chrono::milliseconds(2000);
    options.total_timeout = std::chrono::milliseconds(3000);
    auto fetcher = Fetcher::create(options);
    EXPECT_TRUE(fetcher.ok());
    return std::move(fetcher).value();
  }

  void expect_refused_address(const std::string& url) {
    const auto download = fetcher_.fetch(url);
    ASSERT_FALSE(download.ok()) << url;
    EXPECT_EQ(download.error().code, ErrorCode::invalid_input) << url;
    EXPECT_EQ(download.error().message, "URL resolves to a private or loopback address") << url;
  }

  TestHttpServer server_;
  Fetcher fetcher_ = default_fetcher();
};

TEST_F(FetchRefusalTest, LoopbackLiteralIsRefusedBeforeConnecting) {
  expect_refused_address(server_.url("/audio.wav"));
  EXPECT_EQ(server_.connections(), 0);
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(FetchRefusalTest, HostnameResolvingToLoopbackIsRefused) {
  expect_refused_address(server_.url("/audio.wav", "localhost"));
  EXPECT_EQ(server_.connections(), 0);
}

TEST_F(FetchRefusalTest, OtherLoopbackSpellingsAreRefused) {
  // 127.1 and 2130706433 are 127.0.0.1 to the resolver; the mapped IPv6 form is the same host.
  expect_refused_address(server_.url("/audio.wav", "127.1"));
  expect_refused_address(server_.url("/audio.wav", "2130706433"));
  expect_refused_address(server_.url("/audio.wav", "[::ffff:127.0.0.1]"));
  expect_refused_address(server_.url("/audio.wav", "[::1]"));
  EXPECT_EQ(server_.connections(), 0);
}

TEST_F(FetchRefusalTest, SchemesOtherThanHttpAreRefused) {
  for (const std::string url :
       {"ftp://127.0.0.1/a.wav", "file:///etc/passwd", "gopher://127.0.0.1:70/1",
        "dict://127.0.0.1:11211/stat", "ws://127.0.0.1/", "FILE:///etc/passwd"}) {
    const auto download = fetcher_.fetch(url);
    ASSERT_FALSE(download.ok()) << url;
    EXPECT_EQ(download.error().code, ErrorCode::invalid_input) << url;
    EXPECT_EQ(download.error().message, "Only http and https URLs are accepted") << url;
  }
}

TEST_F(FetchRefusalTest, MalformedUrlsAreRefused) {
  const std::vector<std::string> urls = {"",
                                         "garbage",
                                         "http://",
                                         "http:///path",
                                         "://127.0.0.1/",
                                         "http://exa mple/",
                                         "http://127.0.0.1:99999/",
                                         std::string(10000, 'a')};
  for (const auto& url : urls) {
    const auto download = fetcher_.fetch(url);
    ASSERT_FALSE(download.ok()) << url;
    EXPECT_EQ(download.error().code, ErrorCode::invalid_input) << url;
  }
  EXPECT_EQ(server_.connections(), 0);
}

}  // namespace
}  // namespace earshot::service
