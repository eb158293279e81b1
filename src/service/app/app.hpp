// The composition root of `earshot serve` and `earshot worker`: the one place that reads the
// whole Config. It builds every long-lived part (metrics, the model catalog, the Redis client,
// the analysis pipeline with its cache, the job queue, the routes, the server) and hands each
// part only its own options, so no other part of the service knows Config.
//
//   auto services = app::build_services(config, app::Role::worker, metrics, log);
//   auto server = app::start_server(config, {.io_threads = 2});   // serve: everything
#pragma once

#include <memory>

#include "core/result.hpp"
#include "service/config/config.hpp"
#include "service/jobs/jobs.hpp"
#include "service/jobs/redis_jobs.hpp"
#include "service/routes/routes.hpp"
#include "service/server/server.hpp"
#include "service/streams/redis_streams.hpp"
#include "service/streams/streams.hpp"

namespace earshot::service {
class AnalysisPipeline;
class JobQueue;
class ModelCatalog;
class RedisClient;
class ServiceLog;
struct ServiceMetrics;
}  // namespace earshot::service

namespace earshot::app {

using service::Config;

// serve answers HTTP and queues jobs; a worker runs queued jobs and needs no queue of its own.
enum class Role { serve, worker };

struct Services {
  std::shared_ptr<service::ServiceMetrics> metrics;
  std::shared_ptr<service::ServiceLog> log;  // may be null
  std::shared_ptr<service::ModelCatalog> catalog;
  std::shared_ptr<service::RedisClient> redis;  // null without Redis
  std::shared_ptr<const service::AnalysisPipeline> pipeline;
  std::shared_ptr<service::JobQueue> jobs;    // Role::serve only: Redis Streams or in-process
  std::shared_ptr<service::Streams> streams;  // Role::serve only: live streams followed
};

// The model registry as the service loads it (MODELS_CONFIG_JSON or MODELS_CONFIG_PATH, with
// SAMPLE_RATE, ANALYSIS_SECONDS, DEFAULT_MODEL_NAME, ...). Errors: a broken registry.
core::Result<std::shared_ptr<service::ModelCatalog>> load_catalog(const Config& config);

// `metrics` and `log` may be null (a private set of metrics is made; nothing is logged).
// Errors: a bad ALLOWED_NETWORKS, a broken model registry (ModelCatalog::load) and a
// CONTENT_MODEL that cannot classify content.
core::Result<Services> build_services(const Config& config, Role role,
                                      std::shared_ptr<service::ServiceMetrics> metrics = nullptr,
                                      std::shared_ptr<service::ServiceLog> log = nullptr);

// The routes over `services` (built for Role::serve). Errors: a bad SWAGGER_UI_DIR.
core::Result<service::Routes> build_routes(const Config& config, const Services& services);
// Both steps at once.
core::Result<service::Routes> build_routes(
    const Config& config, std::shared_ptr<service::ServiceMetrics> metrics = nullptr,
    std::shared_ptr<service::ServiceLog> log = nullptr);

// A job handler that runs jobs with `pipeline` (analysis, and a model's prediction when named).
service::JobHandler job_handler(std::shared_ptr<const service::AnalysisPipeline> pipeline);
// MAX_ATTEMPTS, JOB_VISIBILITY_TIMEOUT_SECONDS, JOB_RETRY_BACKOFF_MS and JOB_TTL_SECONDS.
service::RedisJobOptions redis_job_options(const Config& config);

// MAX_STREAMS, STREAM_*, ALLOW_PRIVATE_URLS, ALLOWED_NETWORKS and JOB_TTL_SECONDS, for
// streams followed by workers. Errors: a bad ALLOWED_NETWORKS.
core::Result<service::RedisStreamOptions> redis_stream_options(const Config& config);

// The job runner of `earshot worker` over `services` (built for Role::worker with Redis).
std::unique_ptr<service::RedisJobWorker> build_worker(const Config& config,
                                                      const Services& services);
// Its stream follower, following up to WORKER_STREAMS streams at once.
std::unique_ptr<service::RedisStreamWorker> build_stream_worker(const Config& config,
                                                                const Services& services);

struct ServeOptions {
  int io_threads = 2;       // threads running the server's io_context
  bool console_log = true;  // JSON log lines on stderr (LOG_DIR adds a file either way)
};

// `earshot serve`: the log, the services, the routes and the server, listening when this
// returns. Errors: those of the steps above and of Server::start.
core::Result<std::unique_ptr<service::Server>> start_server(const Config& config,
                                                            ServeOptions options = {});

}  // namespace earshot::app
