#include "service/server/server.hpp"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "service/routes/routes.hpp"
#include "service/server/body_budget.hpp"
#include "service/server/pool_call.hpp"
#include "service/server/request_pool.hpp"
#include "service/server/request_reader.hpp"
#include "service/telemetry/metrics.hpp"
#include "service/telemetry/service_log.hpp"

namespace earshot::service {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxRequestIdLength = 128;
constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr int kServiceUnavailable = 503;
constexpr std::size_t kSpareDescriptors = 64;
constexpr auto kAcceptBackoffMin = std::chrono::milliseconds(10);
constexpr auto kAcceptBackoffMax = std::chrono::milliseconds(1000);
constexpr auto kFullPoll = std::chrono::milliseconds(20);
constexpr auto kStreamPoll = std::chrono::milliseconds(200);
constexpr auto kStreamKeepAlive = std::chrono::seconds(15);
constexpr auto kRejectionWriteTime = std::chrono::seconds(5);
// After the grace period: time for the 503s of abandoned requests to be written.
constexpr auto kFinalWriteTime = std::chrono::milliseconds(500);

// A client's X-Request-ID is kept when it is short and plain (it ends up in logs); otherwise a
// random one is made.
std::string request_id_for(std::string_view given) {
  const bool plain = !given.empty() && given.size() <= kMaxRequestIdLength &&
                     std::all_of(given.begin(), given.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                              c == '.' || c == ':';
                     });
  if (plain) return std::string(given);
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  std::uint64_t bits = random();
  for (auto& c : id) {
    c = kHex[bits & 0xF];
    bits >>= 4;
  }
  return id;
}

http::response<http::string_body> to_beast(const HttpResponse& response, unsigned version,
                                           bool keep_alive, bool head,
                                           const std::string& request_id) {
  http::response<http::string_body> out{static_cast<http::status>(response.status), version};
  out.set(http::field::content_type, response.content_type);
  out.set("X-Request-ID", request_id);
  for (const auto& [name, value] : response.headers) out.set(name, value);
  out.body() = response.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  // HEAD: the headers GET would send, Content-Length included, and no body.
  if (head) out.body().clear();
  return out;
}

HttpResponse shutting_down_response() {
  auto response =
      HttpResponse::from(detail_response(kServiceUnavailable, "Server shutting down, retry later"));
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

// MAX_CONNECTIONS, lowered so that connections leave descriptors for everything else (the log,
// Redis, downloads, model files) when the process may open fewer files than that.
std::size_t connection_cap(int max_connections) {
  std::size_t cap = static_cast<std::size_t>(std::max(max_connections, 1));
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    const auto usable = static_cast<std::size_t>(files.rlim_cur);
    cap = std::min(cap, usable > 2 * kSpareDescriptors ? usable - kSpareDescriptors : usable / 2);
  }
  return std::max<std::size_t>(cap, 1);
}

}  // namespace

struct Server::Impl {
  struct Session {
    explicit Session(tcp::socket socket) : stream(std::move(socket)) {
      beast::error_code ec;
      const auto endpoint = stream.socket().remote_endpoint(ec);
      if (!ec) remote = endpoint.address().to_string();
    }
    beast::tcp_stream stream;
    std::string remote;
    bool busy = false;       // a request has been read and is being answered (strand only)
    PoolCancel pool_cancel;  // set while the request's work is pending (strand only)
  };

  // What is known of a request once it is answered, for the metrics and the log.
  struct Exchange {
    std::string request_id;
    std::string method;
    std::string target;
    std::string_view route;
    std::size_t request_bytes = 0;
    Clock::time_point start = Clock::now();
  };

  Impl(ServerOptions o, Routes r, std::shared_ptr<ServiceMetrics> m, std::shared_ptr<ServiceLog> l)
      : options(std::move(o)),
        routes(std::move(r)),
        metrics(std::move(m)),
        log(std::move(l)),
        pool(options.pool_threads, options.max_queue),
        body_budget(options.body_budget_bytes),
        max_connections(connection_cap(options.max_connections)),
        acceptor(io) {
    metrics->set_queue_depth_source([this] { return pool.queued(); });
  }

  RequestLimits request_limits() const {
    return {.header_timeout = options.header_timeout,
            .keep_alive_timeout = options.keep_alive_timeout,
            .body_timeout = options.request_timeout,
            .max_upload_bytes = options.max_upload_bytes};
  }

  std::size_t open_sessions() {
    std::lock_guard lock(mutex);
    return sessions.size();
  }

  asio::awaitable<void> accept_loop() {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    auto backoff = kAcceptBackoffMin;
    for (;;) {
      // At the connection cap, new clients wait in the listen backlog until one leaves. Polling
      // is cheap here: it happens only while the server is full.
      while (open_sessions() >= max_connections && !stopping) {
        pause.expires_after(kFullPoll);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      auto strand = asio::make_strand(io);
      auto [ec, socket] =
          co_await acceptor.async_accept(strand, asio::as_tuple(asio::use_awaitable));
      if (stopping || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        // Out of descriptors (or another transient failure): the pending connection stays in
        // the backlog and accept fails again at once, so wait before retrying instead of
        // spinning; the connections being served free descriptors as they finish.
        metrics->rejected.add({"accept_failed"});
        log->message(
            LogLevel::warning, "accept failed; pausing",
            {{"error", ec.message()}, {"pause_ms", std::chrono::milliseconds(backoff).count()}});
        pause.expires_after(backoff);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        backoff = std::min(backoff * 2, kAcceptBackoffMax);
        continue;
      }
      backoff = kAcceptBackoffMin;
      auto session = std::make_shared<Session>(std::move(socket));
      {
        std::lock_guard lock(mutex);
        if (stopping) co_return;
        sessions.insert(session);
      }
      asio::co_spawn(strand, serve(session), [this, session](std::exception_ptr) {
        std::lock_guard lock(mutex);
        sessions.erase(session);
        drained.notify_all();
      });
    }
  }

  // Metrics and one log line for an answered request.
  void record(const Exchange& exchange, const Session& session, const HttpResponse& response) {
    const double seconds = std::chrono::duration<double>(Clock::now() - exchange.start).count();
    const std::string status = std::to_string(response.status);
    metrics->requests.add({std::string(exchange.route), exchange.method, status});
    metrics->request_seconds.observe({std::string(exchange.route), status}, seconds);
    log->request({.request_id = exchange.request_id,
                  .method = exchange.method,
                  .route = exchange.route,
                  .target = exchange.target,
                  .status = response.status,
                  .latency_ms = seconds * 1000.0,
                  .request_bytes = exchange.request_bytes,
                  .response_bytes = response.body.size(),
                  .remote = session.remote,
                  .error = response.log_detail});
  }

  // A request refused while it was read: answered, counted, logged, and the connection closed.
  asio::awaitable<void> answer_rejected(Session& session, ReadResult& read) {
    const std::string method = read.method.empty() ? "-" : read.method;
    Exchange exchange{request_id_for(read.request_id), method, read.target,
                      Routes::route_name(read.method, read.target)};
    record(exchange, session, read.response);
    metrics->rejected.add({std::string(read.reason)});
    auto out = to_beast(read.response, 11, false, false, exchange.request_id);
    session.stream.expires_after(kRejectionWriteTime);
    co_await http::async_write(session.stream, out, asio::as_tuple(asio::use_awaitable));
    co_await linger_and_close(session.stream);
  }

  // A body made as it goes (BodySource; Server-Sent Events): the head, then each part the source
  // gives as a chunk, asking it every kStreamPoll, with a comment line when it has been quiet
  // for kStreamKeepAlive so that proxies keep the connection and a gone client is noticed.
  asio::awaitable<void> write_stream(Session& session, const HttpResponse& response,
                                     unsigned version, const std::string& request_id) {
    http::response<http::empty_body> head{static_cast<http::status>(response.status), version};
    head.set(http::field::content_type, response.content_type);
    head.set("X-Request-ID", request_id);
    for (const auto& [name, value] : response.headers) head.set(name, value);
    head.keep_alive(false);
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    session.stream.expires_after(options.request_timeout);
    auto [head_ec, head_bytes] = co_await http::async_write_header(
        session.stream, serializer, asio::as_tuple(asio::use_awaitable));
    (void)head_bytes;
    if (head_ec) co_return;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto last_write = Clock::now();
    while (!stopping) {
      std::optional<std::string> part = response.stream->next();
      if (!part) break;
      if (part->empty() && Clock::now() - last_write >= kStreamKeepAlive) part = ": keep-alive\n\n";
      if (part->empty()) {
        timer.expires_after(kStreamPoll);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      session.stream.expires_after(options.request_timeout);
      auto [ec, written] =
          co_await asio::async_write(session.stream, http::make_chunk(asio::buffer(*part)),
                                     asio::as_tuple(asio::use_awaitable));
      (void)written;
      if (ec) co_return;  // the client went away
      last_write = Clock::now();
    }
    session.stream.expires_after(options.request_timeout);
    co_await asio::async_write(session.stream, http::make_chunk_last(),
                               asio::as_tuple(asio::use_awaitable));
  }

  // The answer of the routes (on the pool when the route has work), or of the server when the
  // pool refused, timed out or is stopping.
  asio::awaitable<HttpResponse> answer(Session& session, Dispatch dispatch) {
    if (dispatch.immediate) co_return std::move(*dispatch.immediate);
    session.stream.expires_never();
    PoolReply reply =
        co_await call_on_pool(pool, session.stream.get_executor(), std::move(dispatch.work),
                              options.request_timeout, session.pool_cancel);
    session.pool_cancel.give_up = nullptr;
    switch (reply.outcome) {
      case PoolOutcome::done:
        co_return std::move(reply.response);
      case PoolOutcome::busy:
        metrics->rejected.add({"queue_full"});
        co_return Routes::busy_response();
      case PoolOutcome::timed_out:
        metrics->rejected.add({"timeout"});
        co_return Routes::timeout_response(options.request_timeout);
      case PoolOutcome::cancelled:
        metrics->rejected.add({"shutting_down"});
        co_return shutting_down_response();
    }
    co_return HttpResponse::from(internal_error_response());
  }

  asio::awaitable<void> serve(std::shared_ptr<Session> session) {
    beast::flat_buffer buffer;
    // Beast reads at most the buffer's free capacity (at least 512 bytes) per call, so an
    // unreserved buffer reads an upload in ~1 KB pieces: thousands of reads and wake-ups per
    // megabyte. 64 KB pieces made POST /analyze of a 1.7 MB WAV about a third cheaper.
    buffer.reserve(kReadChunkBytes);
    const RequestLimits limits = request_limits();
    for (bool first = true; !stopping; first = false) {
      ReadResult read = co_await read_request(session->stream, buffer, limits, body_budget, first);
      if (read.status == ReadStatus::closed) break;
      session->busy = true;
      if (read.status == ReadStatus::rejected) {
        co_await answer_rejected(*session, read);
        co_return;
      }
      metrics->in_flight.add(1);
      auto& request = read.request;
      Exchange exchange{request_id_for(request["X-Request-ID"]),
                        std::string(request.method_string()), std::string(request.target()),
                        "unmatched", request.body().size()};
      HttpRequest req{exchange.method,
                      exchange.target,
                      std::string(request[http::field::content_type]),
                      std::move(request.body()),
                      std::string(request[http::field::accept]),
                      std::string(request["Last-Event-ID"])};
      Dispatch dispatch = routes.dispatch(std::move(req));
      exchange.route = dispatch.route;
      HttpResponse response = co_await answer(*session, std::move(dispatch));
      if (response.stream && request.method() != http::verb::head) {
        co_await write_stream(*session, response, request.version(), exchange.request_id);
        record(exchange, *session, response);
        metrics->in_flight.add(-1);
        break;  // an event stream ends its connection
      }
      const bool keep_alive = request.keep_alive() && !stopping;
      auto out = to_beast(response, request.version(), keep_alive,
                          request.method() == http::verb::head, exchange.request_id);
      session->stream.expires_after(options.request_timeout);
      auto [write_ec, written] =
          co_await http::async_write(session->stream, out, asio::as_tuple(asio::use_awaitable));
      (void)written;
      record(exchange, *session, response);
      metrics->in_flight.add(-1);
      session->busy = false;
      if (write_ec || !keep_alive) break;
    }
    beast::error_code ignored;
    session->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    session->stream.close();
  }

  // Waits until every session has ended or `deadline` passes; true when they all ended.
  bool wait_for_sessions(std::unique_lock<std::mutex>& lock, Clock::time_point deadline) {
    return drained.wait_until(lock, deadline, [this] { return sessions.empty(); });
  }

  // Graceful stop within SHUTDOWN_GRACE_SECONDS, whatever the clients do:
  //   1. stop accepting; close idle connections; answer requests still queued with 503;
  //   2. let running requests finish until the grace period ends;
  //   3. then answer those still running with 503 too (their work is abandoned), give the
  //      answers a moment to be written, and stop the threads.
  // Returns false when analysis threads were still busy at the end: they are left running, so
  // the caller must not destroy the server (it leaks on purpose; the process is exiting).
  bool stop() {
    std::unique_lock lock(mutex);
    if (stopped) return clean_stop;
    stopped = true;
    stopping = true;
    const auto deadline = Clock::now() + options.shutdown_grace;
    asio::post(accept_strand, [this] {
      beast::error_code ignored;
      acceptor.close(ignored);
    });
    for (const auto& session : sessions) {
      asio::post(session->stream.get_executor(), [session] {
        if (!session->busy) {
          beast::error_code ignored;
          session->stream.socket().close(ignored);
        }
      });
    }
    lock.unlock();
    pool.cancel_queued();  // their sessions answer 503 "shutting down"
    lock.lock();
    if (!wait_for_sessions(lock, deadline)) {
      log->message(LogLevel::warning, "shutdown grace period over; answering running requests 503",
                   {{"connections", sessions.size()}});
      for (const auto& session : sessions) {
        asio::post(session->stream.get_executor(), [session] {
          if (session->pool_cancel.give_up) session->pool_cancel.give_up();
        });
      }
      if (!wait_for_sessions(lock, Clock::now() + kFinalWriteTime)) {
        log->message(LogLevel::warning, "dropping connections", {{"connections", sessions.size()}});
      }
    }
    lock.unlock();
    io.stop();
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
    clean_stop = pool.stop(std::max(deadline, Clock::now()) + kFinalWriteTime);
    if (!clean_stop) {
      log->message(LogLevel::warning, "analysis still running after the grace period; exiting");
    }
    lock.lock();
    sessions.clear();  // frames still suspended (grace expired) die with the io_context
    log->message(LogLevel::info, "stopped");
    log->flush();
    return clean_stop;
  }

  ServerOptions options;
  Routes routes;
  std::shared_ptr<ServiceMetrics> metrics;
  std::shared_ptr<ServiceLog> log;
  RequestPool pool;
  BodyBudget body_budget;
  std::size_t max_connections;
  std::mutex mutex;
  std::condition_variable drained;
  std::set<std::shared_ptr<Session>> sessions;
  std::atomic<bool> stopping{false};
  bool stopped = false;
  bool clean_stop = true;
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  asio::io_context io;  // last: destroyed first, with any suspended coroutine frames
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(io)};
  tcp::acceptor acceptor;
};

core::Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Routes routes,
                                                    std::shared_ptr<ServiceMetrics> metrics,
                                                    std::shared_ptr<ServiceLog> log) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return core::Error{core::ErrorCode::invalid_input,
                       "API_HOST '" + options.host + "' is not an IP address"};
  }
  if (!routes.api_docs().swagger_ui_available()) {
    log->message(LogLevel::warning,
                 "Swagger UI not found: /docs answers 503 (run scripts/setup or set "
                 "SWAGGER_UI_DIR)");
  }
  const tcp::endpoint endpoint(address, options.port);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(routes), std::move(metrics),
                                     std::move(log));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error{core::ErrorCode::io, "Cannot listen on " + impl->options.host + ":" +
                                                std::to_string(impl->options.port) + ": " +
                                                ec.message()};
  }
  impl->port = impl->acceptor.local_endpoint().port();
  Impl* raw = impl.get();
  raw->log->message(LogLevel::info, "listening",
                    {{"host", raw->options.host},
                     {"port", raw->port},
                     {"worker_threads", raw->options.pool_threads},
                     {"io_threads", raw->options.io_threads},
                     {"max_queue", raw->options.max_queue}});
  asio::co_spawn(raw->accept_strand, raw->accept_loop(), asio::detached);
  const int threads = std::max(raw->options.io_threads, 1);
  for (int i = 0; i < threads; ++i) raw->threads.emplace_back([raw] { raw->io.run(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  // Analysis threads still running after the grace period use the server's parts; they die with
  // the process, which is about to exit.
  if (impl_ && !impl_->stop()) static_cast<void>(impl_.release());
}

core::Status Server::reload_models() {
  return reload_and_log(impl_->routes.models(), *impl_->log);
}

std::uint16_t Server::port() const {
  return impl_->port;
}

bool Server::stop() {
  return impl_->stop();
}

RequestPool& Server::request_pool() {
  return impl_->pool;
}

const ServiceMetrics& Server::metrics() const {
  return *impl_->metrics;
}

}  // namespace earshot::service
