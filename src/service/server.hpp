// The HTTP server of `earshot serve`: an Asio io_context run by a few threads, one C++20
// coroutine per connection (Beast HTTP/1.1, keep-alive, a read timeout, a body limit), and the
// routes' blocking work on a bounded WorkerPool so that Asio threads never block. Each answered
// request is counted in ServiceMetrics and logged as one JSON line (service_log.hpp).
//
//   auto server = service::Server::start(config);   // listening when it returns
//   if (!server) { report(server.error()); return 2; }
//   wait_for_signal();
//   (*server)->stop();   // graceful: no new connections, in-flight requests finish
//
// start() binds API_HOST:API_PORT (port 0 picks a free one; see port()). Each connection is read
// under the limits of request_reader.hpp; at most MAX_CONNECTIONS are open at once (fewer when
// the process may open fewer files), the rest wait in the listen backlog.
// stop() closes the listener and idle connections, answers queued requests 503, lets running
// ones complete for up to SHUTDOWN_GRACE_SECONDS, then answers those 503 too and stops the
// threads, so it returns within the grace period plus about a second whatever the clients do.
// It returns false when an analysis was still running: its thread is left to die with the
// process, and the destructor then leaks the server's parts rather than free them under it
// (a serving process exits right after; see serve_command.cpp). Not copyable; stop() may be
// called from any thread except the server's own.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/result.hpp"
#include "service/config.hpp"

namespace earshot::service {

class WorkerPool;

struct ServiceMetrics;

struct ServerOptions {
  int io_threads = 2;       // threads running the io_context (accept, parse, write)
  bool console_log = true;  // JSON log lines on stderr (LOG_DIR adds a file either way)
};

class Server {
 public:
  // Errors: invalid_input for a bad host address, io when binding fails or the log cannot be
  // opened, and those of Routes::create.
  static core::Result<std::unique_ptr<Server>> start(const Config& config,
                                                     ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;  // the bound port
  bool stop();                 // true when every thread has finished
  // Re-reads the model registry (what SIGHUP does; POST /models/reload is the same over HTTP)
  // and logs the outcome. On failure the previous registry keeps serving.
  core::Status reload_models();

  // For tests: the pool the routes' work runs on, and the metrics /metrics shows.
  WorkerPool& worker_pool();
  const ServiceMetrics& metrics() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::service
