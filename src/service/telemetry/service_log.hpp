// The log of `earshot serve`: one JSON object per line, on stderr and, when LOG_DIR is set, in a
// rotating LOG_DIR/earshot.log (10 MB x 5 files by default), so that log shippers and `jq` read
// it without a parser of our own. Every request gets one line:
//
//   {"time":"2026-11-21T10:00:00.123456Z","level":"info","msg":"request","request_id":"9f2c...",
//    "method":"POST","route":"/analyze","target":"/analyze","status":200,"latency_ms":41.7,
//    "request_bytes":320044,"response_bytes":512,"remote":"127.0.0.1"}
//
// A 5xx line also carries "error": the cause a client never sees. Writing is asynchronous (a
// queue and one background thread), so a slow disk never stalls the Asio threads; when the
// queue is full the oldest waiting line is dropped rather than blocking a request.
//
//   auto log = service::ServiceLog::create({.level = config.log_level, .dir = config.log_dir});
//   if (!log) return log.error();
//   (*log)->request({...});
//   (*log)->message(LogLevel::warning, "Swagger UI not found", {{"dir", "/x"}});
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "core/result.hpp"
#include "service/telemetry/log_level.hpp"

namespace earshot::service {

struct LogOptions {
  LogLevel level = LogLevel::info;
  std::filesystem::path dir;  // empty: no file
  bool console = true;        // also write to stderr
  std::size_t max_file_bytes = 10 * 1024 * 1024;
  std::size_t max_files = 5;  // rotated files kept besides earshot.log
};

struct RequestRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view route;   // the route template, or "unmatched"
  std::string_view target;  // path and query as sent
  int status = 0;
  double latency_ms = 0.0;
  std::size_t request_bytes = 0;   // body
  std::size_t response_bytes = 0;  // body
  std::string_view remote;
  std::string_view error;  // the cause of a 5xx; empty otherwise
};

class ServiceLog {
 public:
  // Errors: io when LOG_DIR cannot be created or earshot.log cannot be opened.
  static core::Result<std::shared_ptr<ServiceLog>> create(const LogOptions& options);
  ~ServiceLog();  // flushes
  ServiceLog(const ServiceLog&) = delete;
  ServiceLog& operator=(const ServiceLog&) = delete;

  // Level info, or error for a 5xx status.
  void request(const RequestRecord& record);
  // A line with "msg" and the members of `fields` (a JSON object, or null for none).
  void message(LogLevel level, std::string_view text, const nlohmann::ordered_json& fields);
  void message(LogLevel level, std::string_view text);
  // Waits until every line logged so far is written (for tests and shutdown).
  void flush();

 private:
  struct Impl;
  explicit ServiceLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::service
