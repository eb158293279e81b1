// Downloads an audio URL into memory for analysis: http and https only, every connection's
// address checked against an AddressPolicy (redirect hops included), a byte cap enforced while
// streaming, connect and total timeouts, and an audio content-type check.
//
//   auto fetcher = service::Fetcher::create({.max_bytes = 50'000'000});
//   if (!fetcher) return fetcher.error();
//   auto download = fetcher->fetch("https://example.org/a.mp3");   // blocks
//   if (!download) return download.error();   // invalid_input, too_large, io, ...
//   analyzer.analyze_bytes(download->bytes);
//
// fetch() BLOCKS for up to `total_timeout`: call it from the worker pool, never from an Asio
// thread. A Fetcher is immutable after create() and safe to share between threads; each call
// uses its own curl handle. The body is held in memory (never a temporary file), bounded by
// `max_bytes`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "service/outbound/address_policy.hpp"

namespace earshot::service {

struct FetchOptions {
  std::size_t max_bytes = 200'000'000;  // body cap, checked on Content-Length and while streaming
  int max_redirects = 5;                // 0 refuses any redirect; at most 20
  std::chrono::milliseconds connect_timeout{10'000};  // per connection attempt
  std::chrono::milliseconds total_timeout{120'000};   // whole transfer, redirects included
  AddressPolicy policy{};  // default refuses loopback, private, link-local, ...
};

struct Download {
  std::vector<std::uint8_t> bytes;
  std::string content_type;  // as the server sent it, parameters included
  std::string final_url;     // after redirects
  long status = 0;           // HTTP status of the final response (2xx)
};

// Errors, as the service maps them to HTTP:
//   invalid_input       bad URL, scheme other than http(s), refused address ("URL resolves to
//                       a private or loopback address"), too many redirects, host not found,
//                       upstream status ("Download failed: 404 Not Found")
//   too_large           body or declared Content-Length over max_bytes
//   unsupported_format  content type not audio/*, video/* or application/octet-stream
//                       ("Content type text/html is not audio")
//   io                  timeout ("Download timed out"), connection or transfer failure
//   internal            libcurl could not be initialised
class Fetcher {
 public:
  // Validates the options (invalid_input naming the bad one) and initialises libcurl once per
  // process.
  static core::Result<Fetcher> create(FetchOptions options);

  core::Result<Download> fetch(std::string_view url) const;

  // The start of follow()'s error message when a stream stalled (idle_timeout passed).
  static constexpr std::string_view kStalled = "the stream stalled";

  // Follows a live stream (Icecast, SHOUTcast, chunked HTTP audio): the same URL, address and
  // content-type checks as fetch(), but no byte cap and no total timeout. Each part of the body
  // goes to `on_bytes` as it arrives; returning false from it, or true from `stop` (asked at
  // least once a second), ends the transfer without an error. Ends with an io error "the
  // stream stalled" when no byte came for `idle_timeout`; success when the server closed it.
  // BLOCKS for as long as the stream lasts.
  core::Status follow(std::string_view url,
                      const std::function<bool(std::span<const std::uint8_t>)>& on_bytes,
                      const std::function<bool()>& stop, std::chrono::seconds idle_timeout) const;

  const FetchOptions& options() const { return options_; }

 private:
  explicit Fetcher(FetchOptions options) : options_(std::move(options)) {}

  FetchOptions options_;
};

// "404 Not Found" for common statuses, otherwise just the number.
std::string describe_status(long status);

}  // namespace earshot::service
