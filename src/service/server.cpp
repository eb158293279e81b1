#include "service/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "service/routes.hpp"
#include "service/worker_pool.hpp"

namespace earshot::service {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Runs `work` on the pool and completes on `executor` (the session's strand) with the result;
// nullopt when the pool refused the job (queue full or stopping). A plain function returning
// the awaitable, not a coroutine: GCC 12 mishandles lambdas captured inside a co_await.
template <typename Executor>
asio::awaitable<std::optional<HttpResponse>> run_on_pool(WorkerPool& pool, Executor executor,
                                                         std::function<HttpResponse()> work) {
  auto job = std::make_shared<std::function<HttpResponse()>>(std::move(work));
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::optional<HttpResponse>)>(
      [&pool, executor, job](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        const bool accepted = pool.try_submit([shared, executor, job]() {
          std::optional<HttpResponse> response = (*job)();
          asio::post(executor, [shared, response = std::move(response)]() mutable {
            std::move (*shared)(std::move(response));
          });
        });
        if (!accepted) {
          asio::post(executor, [shared]() mutable { std::move (*shared)(std::nullopt); });
        }
      },
      asio::use_awaitable);
}

http::response<http::string_body> to_beast(const HttpResponse& response, unsigned version,
                                           bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(response.status), version};
  out.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : response.headers) out.set(name, value);
  out.body() = response.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

}  // namespace

struct Server::Impl {
  struct Session {
    explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool busy = false;  // a request has been read and is being answered (strand only)
  };

  Impl(const Config& c, ServerOptions o, Routes r)
      : config(c),
        options(o),
        routes(std::move(r)),
        pool(c.effective_worker_threads(), c.max_queue),
        acceptor(io) {}

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

  asio::awaitable<void> serve(std::shared_ptr<Session> session) {
    beast::flat_buffer buffer;
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
        auto out = to_beast(Routes::upload_too_large_response(config.max_upload_bytes), 11, false);
        session->stream.expires_after(config.request_timeout);
        co_await http::async_write(session->stream, out, asio::as_tuple(asio::use_awaitable));
        break;
      }
      if (ec) break;  // closed, timed out, malformed or cancelled by stop()
      session->busy = true;
      auto request = parser.release();
      HttpRequest req{std::string(request.method_string()), std::string(request.target()),
                      std::string(request[http::field::content_type]), std::move(request.body())};
      Dispatch dispatch = routes.dispatch(req);
      HttpResponse response;
      if (dispatch.immediate) {
        response = std::move(*dispatch.immediate);
      } else {
        session->stream.expires_never();
        auto result =
            co_await run_on_pool(pool, session->stream.get_executor(), std::move(dispatch.work));
        response = result ? std::move(*result) : Routes::busy_response();
      }
      const bool keep_alive = request.keep_alive() && !stopping;
      auto out = to_beast(response, request.version(), keep_alive);
      session->stream.expires_after(config.request_timeout);
      auto [write_ec, written] =
          co_await http::async_write(session->stream, out, asio::as_tuple(asio::use_awaitable));
      (void)written;
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
      drained.wait_for(lock, config.shutdown_grace, [this] { return sessions.empty(); });
    }
    io.stop();
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
    pool.stop();
    std::lock_guard lock(mutex);
    sessions.clear();  // frames still suspended (grace expired) die with the io_context
  }

  Config config;
  ServerOptions options;
  Routes routes;
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
  auto routes = Routes::create(config);
  if (!routes) return routes.error();
  beast::error_code ec;
  const auto address = asio::ip::make_address(config.api_host, ec);
  if (ec) {
    return core::Error{core::ErrorCode::invalid_input,
                       "API_HOST '" + config.api_host + "' is not an IP address"};
  }
  auto impl = std::make_unique<Impl>(config, options, std::move(*routes));
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
  asio::co_spawn(raw->accept_strand, raw->accept_loop(), asio::detached);
  const int threads = std::max(options.io_threads, 1);
  for (int i = 0; i < threads; ++i) raw->threads.emplace_back([raw] { raw->io.run(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  if (impl_) impl_->stop();
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

}  // namespace earshot::service
