#include "service/server.hpp"

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

#include "service/metrics.hpp"
#include "service/pool_call.hpp"
#include "service/routes.hpp"
#include "service/service_log.hpp"
#include "service/worker_pool.hpp"

namespace earshot::service {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxRequestIdLength = 128;
constexpr std::size_t kReadChunkBytes = 64 * 1024;

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

std::string_view rejection_reason(PoolOutcome outcome) {
  return outcome == PoolOutcome::busy ? "queue_full" : "timeout";
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
    bool busy = false;  // a request has been read and is being answered (strand only)
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

  Impl(const Config& c, ServerOptions o, Routes r, std::shared_ptr<ServiceMetrics> m,
       std::shared_ptr<ServiceLog> l)
      : config(c),
        options(o),
        routes(std::move(r)),
        metrics(std::move(m)),
        log(std::move(l)),
        pool(c.effective_worker_threads(), c.max_queue),
        acceptor(io) {
    metrics->set_queue_depth_source([this] { return pool.queued(); });
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto strand = asio::make_strand(io);
      auto [ec, socket] =
          co_await acceptor.async_accept(strand, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. too many open files: keep serving the connections we have
      }
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

  asio::awaitable<void> serve(std::shared_ptr<Session> session) {
    beast::flat_buffer buffer;
    // Beast reads at most the buffer's free capacity (at least 512 bytes) per call, so an
    // unreserved buffer reads an upload in ~1 KB pieces: thousands of reads and wake-ups per
    // megabyte. 64 KB pieces made POST /analyze of a 1.7 MB WAV about a third cheaper.
    buffer.reserve(kReadChunkBytes);
    for (;;) {
      if (stopping) break;
      http::request_parser<http::string_body> parser;
      parser.body_limit(static_cast<std::uint64_t>(config.max_upload_bytes));
      session->stream.expires_after(config.request_timeout);
      auto [ec, bytes] = co_await http::async_read(session->stream, buffer, parser,
                                                   asio::as_tuple(asio::use_awaitable));
      (void)bytes;
      if (ec == http::error::body_limit) {
        session->busy = true;
        const auto& header = parser.get();
        Exchange exchange{request_id_for(header["X-Request-ID"]),
                          std::string(header.method_string()), std::string(header.target()),
                          Routes::route_name(header.method_string(), header.target())};
        const auto response = Routes::upload_too_large_response(config.max_upload_bytes);
        metrics->rejected.add({"body_too_large"});
        record(exchange, *session, response);
        auto out = to_beast(response, 11, false, false, exchange.request_id);
        session->stream.expires_after(config.request_timeout);
        co_await http::async_write(session->stream, out, asio::as_tuple(asio::use_awaitable));
        break;
      }
      if (ec) break;  // closed, timed out, malformed or cancelled by stop()
      session->busy = true;
      metrics->in_flight.add(1);
      auto request = parser.release();
      Exchange exchange{request_id_for(request["X-Request-ID"]),
                        std::string(request.method_string()), std::string(request.target()),
                        "unmatched", request.body().size()};
      HttpRequest req{exchange.method, exchange.target,
                      std::string(request[http::field::content_type]), std::move(request.body())};
      Dispatch dispatch = routes.dispatch(std::move(req));
      exchange.route = dispatch.route;
      HttpResponse response;
      if (dispatch.immediate) {
        response = std::move(*dispatch.immediate);
      } else {
        session->stream.expires_never();
        PoolReply reply = co_await call_on_pool(pool, session->stream.get_executor(),
                                                std::move(dispatch.work), config.request_timeout);
        if (reply.outcome == PoolOutcome::done) {
          response = std::move(reply.response);
        } else {
          metrics->rejected.add({std::string(rejection_reason(reply.outcome))});
          response = reply.outcome == PoolOutcome::busy
                         ? Routes::busy_response()
                         : Routes::timeout_response(config.request_timeout);
        }
      }
      const bool keep_alive = request.keep_alive() && !stopping;
      auto out = to_beast(response, request.version(), keep_alive,
                          request.method() == http::verb::head, exchange.request_id);
      session->stream.expires_after(config.request_timeout);
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

  void stop() {
    {
      std::unique_lock lock(mutex);
      if (stopped) return;
      stopped = true;
      stopping = true;
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
      const bool drained_in_time =
          drained.wait_for(lock, config.shutdown_grace, [this] { return sessions.empty(); });
      if (!drained_in_time) {
        log->message(LogLevel::warning, "shutdown grace period over; dropping connections",
                     {{"connections", sessions.size()}});
      }
    }
    io.stop();
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
    pool.stop();
    std::lock_guard lock(mutex);
    sessions.clear();  // frames still suspended (grace expired) die with the io_context
    log->message(LogLevel::info, "stopped");
    log->flush();
  }

  Config config;
  ServerOptions options;
  Routes routes;
  std::shared_ptr<ServiceMetrics> metrics;
  std::shared_ptr<ServiceLog> log;
  WorkerPool pool;
  std::mutex mutex;
  std::condition_variable drained;
  std::set<std::shared_ptr<Session>> sessions;
  std::atomic<bool> stopping{false};
  bool stopped = false;
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  asio::io_context io;  // last: destroyed first, with any suspended coroutine frames
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(io)};
  tcp::acceptor acceptor;
};

core::Result<std::unique_ptr<Server>> Server::start(const Config& config, ServerOptions options) {
  auto log = ServiceLog::create(
      {.level = config.log_level, .dir = config.log_dir, .console = options.console_log});
  if (!log) return log.error();
  auto metrics = std::make_shared<ServiceMetrics>();
  auto routes = Routes::create(config, metrics, *log);
  if (!routes) return routes.error();
  beast::error_code ec;
  const auto address = asio::ip::make_address(config.api_host, ec);
  if (ec) {
    return core::Error{core::ErrorCode::invalid_input,
                       "API_HOST '" + config.api_host + "' is not an IP address"};
  }
  if (!routes->api_docs().swagger_ui_available()) {
    (*log)->message(LogLevel::warning,
                    "Swagger UI not found: /docs answers 503 (run scripts/setup or set "
                    "SWAGGER_UI_DIR)");
  }
  auto impl = std::make_unique<Impl>(config, options, std::move(*routes), std::move(metrics),
                                     std::move(*log));
  const tcp::endpoint endpoint(address, config.api_port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error{core::ErrorCode::io, "Cannot listen on " + config.api_host + ":" +
                                                std::to_string(config.api_port) + ": " +
                                                ec.message()};
  }
  impl->port = impl->acceptor.local_endpoint().port();
  Impl* raw = impl.get();
  raw->log->message(LogLevel::info, "listening",
                    {{"host", config.api_host},
                     {"port", raw->port},
                     {"worker_threads", config.effective_worker_threads()},
                     {"io_threads", options.io_threads},
                     {"max_queue", config.max_queue}});
  asio::co_spawn(raw->accept_strand, raw->accept_loop(), asio::detached);
  const int threads = std::max(options.io_threads, 1);
  for (int i = 0; i < threads; ++i) raw->threads.emplace_back([raw] { raw->io.run(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  if (impl_) impl_->stop();
}

core::Status Server::reload_models() {
  return reload_and_log(impl_->routes.models(), *impl_->log);
}

std::uint16_t Server::port() const {
  return impl_->port;
}

void Server::stop() {
  impl_->stop();
}

WorkerPool& Server::worker_pool() {
  return impl_->pool;
}

const ServiceMetrics& Server::metrics() const {
  return *impl_->metrics;
}

}  // namespace earshot::service
