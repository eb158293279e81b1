#include "cli/worker_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/serve_command.hpp"
#include "service/app/app.hpp"
#include "service/pipeline/model_catalog.hpp"
#include "service/telemetry/service_log.hpp"

namespace earshot::cli {

int run_worker(const WorkerOptions& options) {
  std::map<std::string, std::string> flags;
  if (options.jobs) flags["WORKER_JOBS"] = std::to_string(*options.jobs);
  if (options.streams) flags["WORKER_STREAMS"] = std::to_string(*options.streams);
  auto config = load_service_config(options.env_file, flags);
  if (!config) {
    std::cerr << "earshot worker: " << config.error().message << "\n";
    return 2;
  }
  const auto endpoint = config->redis_endpoint();
  if (!endpoint) {
    std::cerr << "earshot worker: no Redis configured (set REDIS_URL or REDIS_HOST); without "
                 "Redis, `earshot serve` runs jobs itself\n";
    return 2;
  }
  auto log = service::ServiceLog::create({.level = config->log_level, .dir = config->log_dir});
  if (!log) {
    std::cerr << "earshot worker: " << log.error().message << "\n";
    return 1;
  }
  // What a job runs on (download, analysis, cache, models), built as `serve` builds it.
  auto services = app::build_services(*config, app::Role::worker, nullptr, *log);
  if (!services) {
    std::cerr << "earshot worker: " << services.error().message << "\n";
    return 1;
  }
  const auto job_worker = app::build_worker(*config, *services);
  service::RedisJobWorker& worker = *job_worker;
  // Live streams (POST /streams) are followed by a thread of their own, beside the jobs.
  const auto stream_worker =
      config->worker_streams > 0 ? app::build_stream_worker(*config, *services) : nullptr;

  // Block the signals' default action before the worker's threads start. SIGHUP re-reads the
  // model registry (jobs started after it use the new one) and goes on; SIGINT or SIGTERM stops.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int number) {
        if (error) return;
        if (number != SIGHUP) {
          worker.stop();
          if (stream_worker) stream_worker->stop();
          return;
        }
        if (auto reloaded = service::reload_and_log(*services->catalog, **log); !reloaded) {
          std::cerr << "earshot worker: models not reloaded: " << reloaded.error().message << "\n";
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  std::thread waiter([&] { signals_io.run(); });
  std::cerr << "earshot worker: " << worker.consumer() << " running " << config->worker_jobs
            << " job(s) and following " << config->worker_streams
            << " live stream(s) at a time from Redis at " << endpoint->describe() << "\n";
  std::thread streams;
  if (stream_worker) {
    streams = std::thread([&] {
      if (auto ran = stream_worker->run(); !ran) {
        std::cerr << "earshot worker: live streams not followed: " << ran.error().message << "\n";
      }
    });
  }
  worker.run(config->worker_jobs);
  if (streams.joinable()) streams.join();
  signals_io.stop();
  waiter.join();
  std::cerr << "earshot worker: stopped\n";
  return 0;
}

void add_worker_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<WorkerOptions>();
  CLI::App* command = app.add_subcommand(
      "worker", "Run queued jobs and follow live streams from Redis (POST /jobs, POST /streams)");
  command->add_option("--env-file", options->env_file,
                      "A .env file to read (default: ./.env when present)");
  command->add_option("--jobs", options->jobs, "Jobs run at once (WORKER_JOBS)")
      ->check(CLI::Range(1, 256));
  command
      ->add_option("--streams", options->streams,
                   "Live streams followed at once (WORKER_STREAMS; 0: none)")
      ->check(CLI::Range(0, 1000));
  command->footer("Configuration: the variables of `earshot serve --help`; Redis is required.");
  command->callback([options, &exit_code] { exit_code = run_worker(*options); });
}

}  // namespace earshot::cli
