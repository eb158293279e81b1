// What the downloader refuses before a byte reaches the server: loopback targets under the
// default policy (literal or by hostname), a redirect from a permitted host to a refused
// address, schemes other than http(s), and malformed URLs. The test servers are loopback only;
// these tests assert that a refused one was never contacted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "service/outbound/fetch.hpp"
#include "service/test_http_server.hpp"

namespace earshot::service {
namespace {

using core::ErrorCode;
using testing::TestHttpServer;

// Answers every request with a 302 to `location`. It listens on 127.0.0.2, another loopback
// address than TestHttpServer's 127.0.0.1, so that a policy can permit one and not the other.
class RedirectServer {
 public:
  explicit RedirectServer(std::string location) : location_(std::move(location)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.2", &address.sin_addr);
    socklen_t length = sizeof(address);
    auto* raw = reinterpret_cast<sockaddr*>(&address);
    if (listener_ < 0 || ::bind(listener_, raw, length) != 0 || ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, raw, &length) != 0) {
      if (listener_ >= 0) ::close(listener_);
      throw std::runtime_error("cannot listen on 127.0.0.2");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RedirectServer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }
  RedirectServer(const RedirectServer&) = delete;
  RedirectServer& operator=(const RedirectServer&) = delete;

  std::string url() const { return "http://127.0.0.2:" + std::to_string(port_) + "/start"; }
  int requests() const { return requests_.load(); }

 private:
  void serve() {
    while (!stopping_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      answer(client);
      ::close(client);
    }
  }

  // Reads the request head (up to 2 s), then sends the redirect.
  void answer(int client) {
    std::string head;
    char buffer[1024];
    while (head.find("\r\n\r\n") == std::string::npos) {
      pollfd readable{client, POLLIN, 0};
      if (::poll(&readable, 1, 2000) <= 0) return;
      const auto got = ::recv(client, buffer, sizeof(buffer), 0);
      if (got <= 0) return;
      head.append(buffer, static_cast<std::size_t>(got));
    }
    ++requests_;
    const std::string response = "HTTP/1.1 302 Found\r\nLocation: " + location_ +
                                 "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
  }

  std::string location_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

AddressRange network(const char* text) {
  const auto range = AddressRange::parse(text);
  EXPECT_TRUE(range.has_value()) << text;
  return range.value_or(AddressRange{});
}

// A fetcher that may reach only `allowed` (allow_private stays false).
Fetcher fetcher_allowing(std::vector<AddressRange> allowed) {
  FetchOptions options;
  options.policy.allowed_networks = std::move(allowed);
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.total_timeout = std::chrono::milliseconds(3000);
  auto fetcher = Fetcher::create(options);
  EXPECT_TRUE(fetcher.ok());
  return std::move(fetcher).value();
}

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

// The first hop is permitted by allowed_networks (127.0.0.2); the redirect leads to
// 127.0.0.1, which is not listed and, being loopback, refused by class. The refusal happens
// when curl opens the redirect's socket, so the target never sees a connection.
TEST_F(FetchRefusalTest, RedirectFromAPermittedHostToARefusedAddressIsRefused) {
  const Fetcher fetcher = fetcher_allowing({network("127.0.0.2")});
  for (const auto& host : {"127.0.0.1", "localhost"}) {
    RedirectServer permitted(server_.url("/audio.wav", host));
    const auto download = fetcher.fetch(permitted.url());
    ASSERT_FALSE(download.ok()) << host;
    EXPECT_EQ(download.error().code, ErrorCode::invalid_input) << host;
    EXPECT_EQ(download.error().message, "URL resolves to a private or loopback address") << host;
    EXPECT_EQ(permitted.requests(), 1) << host;
  }
  EXPECT_EQ(server_.connections(), 0);
}

// The same redirect with its target listed too is followed to the end: what refused it above
// was the policy, not the test servers.
TEST_F(FetchRefusalTest, RedirectToAnotherPermittedNetworkIsFollowed) {
  const Fetcher fetcher = fetcher_allowing({network("127.0.0.2"), network("127.0.0.0/31")});
  RedirectServer permitted(server_.url("/audio.wav"));
  const auto download = fetcher.fetch(permitted.url());
  ASSERT_TRUE(download.ok()) << download.error().message;
  EXPECT_EQ(std::string(download->bytes.begin(), download->bytes.end()),
            TestHttpServer::audio_body());
  EXPECT_EQ(download->final_url, server_.url("/audio.wav"));
  EXPECT_EQ(permitted.requests(), 1);
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(FetchRefusalTest, AllowedNetworksAreAddressesOrExactPrefixes) {
  const auto host = AddressRange::parse("10.20.0.7");
  ASSERT_TRUE(host.has_value());
  EXPECT_EQ(host->bits, 128u);  // one IPv4 address, held IPv4-mapped
  const auto net = AddressRange::parse("10.20.0.0/16");
  ASSERT_TRUE(net.has_value());
  const auto inside = AddressRange::parse("::ffff:10.20.255.1");
  const auto outside = AddressRange::parse("10.21.0.1");
  ASSERT_TRUE(inside && outside);
  EXPECT_TRUE(net->contains(inside->prefix));
  EXPECT_FALSE(net->contains(outside->prefix));
  EXPECT_TRUE(AddressRange::parse("fd00:1::/32").has_value());
  EXPECT_TRUE(AddressRange::parse("0.0.0.0/0").has_value());
  for (const char* bad : {"", "10.0.0.1/8", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "/8",
                          "10.0.0.0/+8", "10.0.0.0/8 ", "example.org", "10.0.0.0/-1"}) {
    EXPECT_FALSE(AddressRange::parse(bad).has_value()) << bad;
  }
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
