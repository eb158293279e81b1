// Reading one HTTP/1.1 request from a client connection under the server's limits, so that no
// client can hold more of the server than those limits allow. Internal to the server (includes
// Beast); see server.cpp.
//
//   ReadResult read = co_await read_request(stream, buffer, limits, budget, first_request);
//   if (read.status == ReadStatus::request) ... answer read.request; read.body_bytes is held
//   else if (read.status == ReadStatus::rejected) ... write read.response, then linger_and_close
//
// What a client meets, in order:
//   - an idle keep-alive connection is closed after keep_alive_timeout without a byte;
//   - the request line and headers must arrive within header_timeout of the first byte (of the
//     connection, for its first request): a client that trickles them is cut off (logged and
//     counted as 408);
//   - a header block over kMaxHeaderBytes is 431, or 414 when the request line alone is over
//     kMaxTargetBytes (so is any target longer than that); unparsable framing is 400;
//   - a body over the route's limit (Routes::body_limit) is 413, before any of it is read when
//     Content-Length says so, as soon as the limit is passed for a chunked body;
//   - a body is read only when the process-wide BodyBudget has room for it (by its declared
//     length, or as a chunked body grows): otherwise 503 with Retry-After;
//   - `Expect: 100-continue` is answered with 100 Continue once the checks above pass, so that a
//     client does not wait before sending the body.
// A rejected request is answered with Connection: close; the body is left unread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "service/routes/routes.hpp"
#include "service/server/body_budget.hpp"

namespace earshot::service {

inline constexpr std::size_t kMaxTargetBytes = 8 * 1024;
inline constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;  // request line and fields

struct RequestLimits {
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::seconds body_timeout{300};  // to read the body
  std::int64_t max_upload_bytes = 0;       // for Routes::body_limit
};

enum class ReadStatus {
  request,   // `request` holds a whole request
  rejected,  // answer `response`, then close
  closed,    // the client went away, or was idle too long: nothing to answer
};

struct ReadResult {
  ReadStatus status = ReadStatus::closed;
  boost::beast::http::request<boost::beast::http::string_body> request;
  BodyBudget::Reservation body_bytes;  // the request body's share of the budget
  // For a rejection: the answer, what is known of the request ("" when the request line could
  // not be read) and why, as a metric label.
  HttpResponse response;
  std::string method;
  std::string target;
  std::string request_id;  // the client's X-Request-ID, when its headers were read
  std::string_view reason;
};

boost::asio::awaitable<ReadResult> read_request(boost::beast::tcp_stream& stream,
                                                boost::beast::flat_buffer& buffer,
                                                const RequestLimits& limits, BodyBudget& budget,
                                                bool first_request);

// Closes a connection whose request was left partly unread without losing the answer just
// written: closing with unread bytes makes the kernel send a reset, which can destroy the answer
// before the client reads it. So this stops sending, reads and drops what still arrives (for at
// most a second or a few MiB), then closes.
boost::asio::awaitable<void> linger_and_close(boost::beast::tcp_stream& stream);

}  // namespace earshot::service
