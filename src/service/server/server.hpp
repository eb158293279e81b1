// The HTTP server of `earshot serve`: an Asio io_context run by a few threads, one C++20
// coroutine per connection (Beast HTTP/1.1, keep-alive, a read timeout, a body limit), and the
// routes' blocking work on a bounded RequestPool so that Asio threads never block. Each answered
// request is counted in ServiceMetrics and logged as one JSON line (service_log.hpp).
//
//   auto server = app::start_server(config);   // listening when it returns (app.hpp)
//   if (!server) { report(server.error()); return 2; }
//   wait_for_signal();
//   (*server)->stop();   // graceful: no new connections, in-flight requests finish
//
// start() binds host:port (port 0 picks a free one; see port()). Each connection is read under
// the limits of request_reader.hpp; at most max_connections are open at once (fewer when the
// process may open fewer files), the rest wait in the listen backlog.
// stop() closes the listener and idle connections, answers queued requests 503, lets running
// ones complete for up to shutdown_grace, then answers those 503 too and stops the
// threads, so it returns within the grace period plus about a second whatever the clients do.
// It returns false when an analysis was still running: its thread is left to die with the
// process, and the destructor then leaks the server's parts rather than free them under it
// (a serving process exits right after; see serve_command.cpp). Not copyable; stop() may be
// called from any thread except the server's own.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace earshot::service {

class Routes;
class ServiceLog;
class RequestPool;
struct ServiceMetrics;

struct ServerOptions {
  std::string host = "0.0.0.0";  // API_HOST: an IP address
  std::uint16_t port = 8000;     // API_PORT; 0 picks a free one
  int io_threads = 2;            // threads running the io_context (accept, parse, write)
  int pool_threads = 1;          // the request pool's threads (WORKER_THREADS)
  int max_queue = 64;            // requests waiting for the pool (MAX_QUEUE)
  int max_connections = 1000;    // MAX_CONNECTIONS
  std::int64_t body_budget_bytes = 256LL << 20;  // BODY_BUDGET_BYTES
  std::int64_t max_upload_bytes = 200LL << 20;   // MAX_UPLOAD_BYTES
  std::chrono::seconds header_timeout{10};       // HEADER_TIMEOUT_SECONDS
  std::chrono::seconds keep_alive_timeout{5};    // KEEP_ALIVE_TIMEOUT_SECONDS
  std::chrono::seconds request_timeout{300};     // REQUEST_TIMEOUT_SECONDS
  std::chrono::seconds shutdown_grace{30};       // SHUTDOWN_GRACE_SECONDS
};

class Server {
 public:
  // Serves `routes`; `metrics` and `log` are those the routes' parts were built with. Errors:
  // invalid_input for a bad host address, io when binding fails.
  static core::Result<std::unique_ptr<Server>> start(ServerOptions options, Routes routes,
                                                     std::shared_ptr<ServiceMetrics> metrics,
                                                     std::shared_ptr<ServiceLog> log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;  // the bound port
  bool stop();                 // true when every thread has finished
  // Re-reads the model registry (what SIGHUP does; POST /models/reload is the same over HTTP)
  // and logs the outcome. On failure the previous registry keeps serving.
  core::Status reload_models();

  // For tests: the pool the routes' work runs on, and the metrics /metrics shows.
  RequestPool& request_pool();
  const ServiceMetrics& metrics() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::service
