#include "service/telemetry/service_log.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>
#include <vector>

namespace earshot::service {
namespace {

constexpr std::size_t kQueueSize = 8192;  // lines waiting for the writer thread

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warning:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::critical:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

// The object's members without its braces, to follow the "time" and "level" members that the
// pattern writes; invalid UTF-8 (a client's target, say) is replaced, never thrown on.
std::string members_of(const nlohmann::ordered_json& object) {
  std::string text = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text.substr(1, text.size() - 2);
}

}  // namespace

struct ServiceLog::Impl {
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::async_logger> logger;
};

core::Result<std::shared_ptr<ServiceLog>> ServiceLog::create(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (options.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (!options.dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) {
      return core::Error{core::ErrorCode::io,
                         "LOG_DIR " + options.dir.string() + " cannot be created: " + ec.message()};
    }
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          (options.dir / "earshot.log").string(), options.max_file_bytes, options.max_files));
    } catch (const spdlog::spdlog_ex& e) {
      return core::Error{core::ErrorCode::io, std::string("Cannot open the log file: ") + e.what()};
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->pool = std::make_shared<spdlog::details::thread_pool>(kQueueSize, 1);
  impl->logger =
      std::make_shared<spdlog::async_logger>("earshot", sinks.begin(), sinks.end(), impl->pool,
                                             spdlog::async_overflow_policy::overrun_oldest);
  impl->logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc));
  impl->logger->set_level(to_spdlog(options.level));
  // Every line reaches the file as soon as the writer thread takes it, so `tail -f` and log
  // shippers see requests at once; the write happens on that thread, never on a request's.
  impl->logger->flush_on(spdlog::level::trace);
  return std::shared_ptr<ServiceLog>(new ServiceLog(std::move(impl)));
}

ServiceLog::ServiceLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ServiceLog::~ServiceLog() {
  flush();
}

void ServiceLog::request(const RequestRecord& record) {
  const auto level = record.status >= 500 ? spdlog::level::err : spdlog::level::info;
  if (!impl_->logger->should_log(level)) return;
  nlohmann::ordered_json line{{"msg", "request"},
                              {"request_id", record.request_id},
                              {"method", record.method},
                              {"route", record.route},
                              {"target", record.target},
                              {"status", record.status},
                              {"latency_ms", record.latency_ms},
                              {"request_bytes", record.request_bytes},
                              {"response_bytes", record.response_bytes},
                              {"remote", record.remote}};
  if (!record.error.empty()) line["error"] = record.error;
  impl_->logger->log(level, members_of(line));
}

void ServiceLog::message(LogLevel level, std::string_view text,
                         const nlohmann::ordered_json& fields) {
  const auto spd_level = to_spdlog(level);
  if (!impl_->logger->should_log(spd_level)) return;
  nlohmann::ordered_json line{{"msg", text}};
  if (fields.is_object()) line.update(fields);
  impl_->logger->log(spd_level, members_of(line));
}

void ServiceLog::message(LogLevel level, std::string_view text) {
  message(level, text, nullptr);
}

void ServiceLog::flush() {
  // An async logger's flush() only queues a flush request. The one writer thread takes lines in
  // order, so once the queue is empty every earlier line has been handed to the sinks; flushing
  // the sinks then (under their own mutexes) makes them visible to a reader.
  impl_->logger->flush();
  while (impl_->pool->queue_size() > 0) std::this_thread::yield();
  for (const auto& sink : impl_->logger->sinks()) sink->flush();
}

}  // namespace earshot::service
