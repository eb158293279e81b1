// `earshot worker`: runs queued jobs (POST /jobs of any `earshot serve` sharing its Redis) and
// follows live streams (POST /streams) until SIGINT or SIGTERM. Any number of workers, on any
// machines, share the jobs and the streams through Redis Streams consumer groups
// (service/jobs/redis_jobs.hpp, service/streams/redis_streams.hpp). On a signal the worker
// reads no new job, finishes the ones it runs (stored and acknowledged as usual), hands the
// streams it follows back to the other workers and exits 0. The configuration is
// that of `earshot serve` (the same .env and variables); Redis is required.
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace earshot::cli {

struct WorkerOptions {
  std::optional<std::string> env_file;  // explicit .env (must exist); default: ./.env if present
  std::optional<int> jobs;              // WORKER_JOBS: jobs run at once
  std::optional<int> streams;           // WORKER_STREAMS: live streams followed at once
};

// Returns the process exit code: 0 after a signal, 2 for a bad configuration (or no Redis), 1
// when the models cannot be loaded.
int run_worker(const WorkerOptions& options);

void add_worker_command(CLI::App& app, int& exit_code);

}  // namespace earshot::cli
