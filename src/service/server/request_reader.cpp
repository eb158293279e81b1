#include "service/server/request_reader.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "service/http/http_errors.hpp"

namespace earshot::service {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;

constexpr int kBadRequest = 400;
constexpr int kRequestTimeout = 408;
constexpr int kUriTooLong = 414;
constexpr int kHeaderFieldsTooLarge = 431;
constexpr int kServiceUnavailable = 503;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

ReadResult rejection(int status, std::string_view detail, std::string_view reason) {
  ReadResult result;
  result.status = ReadStatus::rejected;
  result.response = HttpResponse::from(detail_response(status, detail));
  result.reason = reason;
  return result;
}

ReadResult body_too_large(std::int64_t limit, std::string_view route) {
  ReadResult result;
  result.status = ReadStatus::rejected;
  result.response = Routes::upload_too_large_response(limit, route);
  result.reason = "body_too_large";
  return result;
}

// The answer to a failed read of the request line and headers, or `closed` when there is no one
// to answer (the client went away, or an idle connection timed out).
// `start_line_read`: the parser got the request line (Beast takes it from the buffer as soon as
// it is whole), so a head over the limit is long for its fields (431), not its target (414).
ReadResult head_failure(beast::error_code ec, const beast::flat_buffer& buffer,
                        bool start_line_read) {
  if (ec == beast::error::timeout) {
    if (buffer.size() == 0 && !start_line_read) return {};
    // Counted and logged as a 408, though Beast has closed the socket at the timeout, so the
    // client sees the connection close (which HTTP allows a server to do).
    return rejection(kRequestTimeout, "Request headers not received in time", "header_timeout");
  }
  if (ec == http::error::header_limit) {
    if (!start_line_read) {
      return rejection(kUriTooLong, "Request target too long", "uri_too_long");
    }
    return rejection(kHeaderFieldsTooLarge, "Request header fields too large", "header_too_large");
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return {};
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return rejection(kBadRequest, "Malformed HTTP request (" + ec.message() + ")", "malformed");
  }
  return {};  // a socket error: the connection is gone
}

ReadResult budget_exhausted() {
  ReadResult result = rejection(kServiceUnavailable, "Server busy, retry later", "body_budget");
  result.response.headers.emplace_back("Retry-After", "1");
  return result;
}

bool expects_continue(const http::request<http::string_body>& header) {
  return beast::iequals(header[http::field::expect], "100-continue");
}

// Reads the body announced by the head already parsed into `parser`.
asio::awaitable<ReadResult> read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                      http::request_parser<http::string_body>& parser,
                                      const RequestLimits& limits, BodyBudget& budget) {
  const auto& header = parser.get();
  const std::int64_t limit =
      Routes::body_limit(header.method_string(), header.target(), limits.max_upload_bytes);
  const std::string_view route = Routes::route_name(header.method_string(), header.target());
  const auto declared = parser.content_length();
  if (declared && *declared > static_cast<std::uint64_t>(limit))
    co_return body_too_large(limit, route);
  ReadResult result;
  result.body_bytes = budget.reservation();
  if (declared && !result.body_bytes.grow_to(static_cast<std::int64_t>(*declared))) {
    co_return budget_exhausted();
  }
  parser.body_limit(static_cast<std::uint64_t>(limit));
  stream.expires_after(limits.body_timeout);
  if (expects_continue(header) && !parser.is_done()) {
    http::response<http::empty_body> go_on{http::status::continue_, header.version()};
    auto [ec, written] = co_await http::async_write(stream, go_on, kUseTuple);
    (void)written;
    if (ec) co_return ReadResult{};
  }
  while (!parser.is_done()) {
    auto [ec, bytes] = co_await http::async_read_some(stream, buffer, parser, kUseTuple);
    (void)bytes;
    if (ec == http::error::body_limit) co_return body_too_large(limit, route);
    if (ec == beast::error::timeout) co_return ReadResult{};  // too slow a body: just close
    if (ec) co_return head_failure(ec, buffer, true);
    // A chunked body has no declared length: it takes its share of the budget as it grows.
    if (!declared &&
        !result.body_bytes.grow_to(static_cast<std::int64_t>(parser.get().body().capacity()))) {
      co_return budget_exhausted();
    }
  }
  result.status = ReadStatus::request;
  result.request = parser.release();
  co_return result;
}

}  // namespace

asio::awaitable<ReadResult> read_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                         const RequestLimits& limits, BodyBudget& budget,
                                         bool first_request) {
  // Between requests a connection may idle for keep_alive_timeout; the clock for the head starts
  // with its first byte.
  if (!first_request && buffer.size() == 0) {
    stream.expires_after(limits.keep_alive_timeout);
    auto [ec, bytes] = co_await stream.async_read_some(buffer.prepare(kReadChunkBytes), kUseTuple);
    if (ec) co_return ReadResult{};
    buffer.commit(bytes);
  }
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  // Checked against each route's own limit once the target is known (read_body).
  parser.body_limit(static_cast<std::uint64_t>(limits.max_upload_bytes));
  stream.expires_after(limits.header_timeout);
  auto [ec, bytes] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
  (void)bytes;
  ReadResult result;
  if (ec == http::error::body_limit) {
    const auto& header = parser.get();
    result = body_too_large(
        Routes::body_limit(header.method_string(), header.target(), limits.max_upload_bytes),
        Routes::route_name(header.method_string(), header.target()));
  } else if (ec) {
    result = head_failure(ec, buffer, !parser.get().target().empty());
  } else if (parser.get().target().size() > kMaxTargetBytes) {
    result = rejection(kUriTooLong, "Request target too long", "uri_too_long");
  } else {
    result = co_await read_body(stream, buffer, parser, limits, budget);
  }
  if (result.status == ReadStatus::rejected) {
    // The start line, when it was read, names the request in the metrics and the log.
    const auto& header = parser.get();
    result.method = std::string(header.method_string());
    result.target = std::string(header.target().substr(0, kMaxTargetBytes));
    result.request_id = std::string(header["X-Request-ID"]);  // "" when not read
  }
  co_return result;
}

asio::awaitable<void> linger_and_close(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTime);
  std::array<char, 16 * 1024> sink;
  std::size_t drained = 0;
  while (drained < kLingerBytes) {
    auto [ec, bytes] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
    if (ec) break;
    drained += bytes;
  }
  stream.close();
}

}  // namespace earshot::service
