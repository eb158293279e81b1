#include "service/app/app.hpp"

#include <algorithm>
#include <utility>

#include "models/content_scorer_choice.hpp"
#include "service/cache/result_cache.hpp"
#include "service/jobs/callback.hpp"
#include "service/jobs/memory_jobs.hpp"
#include "service/jobs/redis_jobs.hpp"
#include "service/pipeline/analysis_pipeline.hpp"
#include "service/pipeline/model_catalog.hpp"
#include "service/redis/redis_client.hpp"
#include "service/streams/redis_streams.hpp"
#include "service/streams/stream_monitors.hpp"
#include "service/telemetry/metrics.hpp"
#include "service/telemetry/service_log.hpp"

namespace earshot::app {
namespace {

using namespace service;

std::size_t non_negative(std::int64_t value) {
  return value < 0 ? 0 : static_cast<std::size_t>(value);
}

CatalogOptions catalog_options(const Config& config) {
  CatalogOptions options;
  options.path = config.models_config_path;
  options.json = config.models_config_json;
  options.built_in_when_absent = config.models_config_path == kDefaultModelsConfigPath;
  options.settings.sample_rate = config.sample_rate;
  if (config.analysis_seconds > 0) options.settings.analysis_seconds = config.analysis_seconds;
  options.settings.default_model = config.default_model_name;
  options.settings.silence_threshold_dbfs = config.silence_threshold_dbfs;
  options.settings.model_threads = static_cast<unsigned>(config.model_threads);
  return options;
}

core::Result<Fetcher> fetcher(const Config& config) {
  FetchOptions options;
  options.max_bytes = non_negative(config.max_download_bytes);
  options.connect_timeout = config.download_connect_timeout;
  options.total_timeout = config.download_timeout;
  auto policy = make_address_policy(config.allow_private_urls, config.allowed_networks);
  if (!policy) return policy.error();
  options.policy = std::move(*policy);
  return Fetcher::create(options);
}

ResultCacheOptions cache_options(const Config& config) {
  return {.max_entries = non_negative(config.cache_max_entries),
          .max_bytes = non_negative(config.cache_max_bytes),
          .ttl = config.cache_expiration,
          .near_ttl = config.near_cache};
}

// Callbacks go out under the downloads' address policy (ALLOW_PRIVATE_URLS, ALLOWED_NETWORKS).
std::shared_ptr<CallbackSender> callback_sender(const Config& config) {
  CallbackOptions options;
  // build_services has refused a bad ALLOWED_NETWORKS before any job runs; should it not
  // have, callbacks keep the strict default.
  auto policy = make_address_policy(config.allow_private_urls, config.allowed_networks);
  if (policy) options.policy = std::move(*policy);
  return std::make_shared<CallbackSender>(options);
}

std::shared_ptr<JobQueue> job_queue(const Config& config, const Services& services) {
  if (services.redis) {
    return std::make_shared<RedisJobQueue>(services.redis, redis_job_options(config),
                                           services.metrics);
  }
  MemoryJobOptions options;
  options.concurrency = config.worker_jobs;
  options.max_attempts = config.max_attempts;
  options.retry_backoff = config.job_retry_backoff;
  options.ttl = config.job_ttl;
  options.max_records = non_negative(config.max_job_records);
  options.max_record_bytes = non_negative(config.max_job_record_bytes);
  return std::make_shared<MemoryJobQueue>(job_handler(services.pipeline), options,
                                          callback_sender(config), services.metrics);
}

core::Result<std::shared_ptr<Streams>> streams(const Config& config, const Services& services) {
  auto options = redis_stream_options(config);
  if (!options) return options.error();
  if (services.redis)
    return std::shared_ptr<Streams>(
        std::make_shared<RedisStreams>(services.redis, std::move(*options), services.metrics));
  auto monitors = StreamMonitors::create(std::move(options->streams), services.metrics);
  if (!monitors) return monitors.error();
  return std::shared_ptr<Streams>(std::move(*monitors));
}

}  // namespace

core::Result<std::shared_ptr<ModelCatalog>> load_catalog(const Config& config) {
  return ModelCatalog::load(catalog_options(config));
}

JobHandler job_handler(std::shared_ptr<const AnalysisPipeline> pipeline) {
  return [pipeline = std::move(pipeline)](const JobRequest& job) { return pipeline->run_job(job); };
}

core::Result<RedisStreamOptions> redis_stream_options(const Config& config) {
  RedisStreamOptions options;
  options.streams.max_streams = static_cast<std::size_t>(config.max_streams);
  options.streams.max_seconds = config.stream_max_seconds;
  options.streams.idle_timeout = config.stream_idle_timeout;
  options.streams.silence_threshold_dbfs = config.silence_threshold_dbfs;
  options.streams.fetch.connect_timeout = config.download_connect_timeout;
  auto policy = make_address_policy(config.allow_private_urls, config.allowed_networks);
  if (!policy) return policy.error();
  options.streams.fetch.policy = *policy;
  options.streams.callback.policy = std::move(*policy);
  options.visibility_timeout = config.stream_visibility_timeout;
  options.ttl = config.job_ttl;
  return options;
}

RedisJobOptions redis_job_options(const Config& config) {
  RedisJobOptions options;
  options.max_attempts = config.max_attempts;
  options.visibility_timeout = config.job_visibility_timeout;
  options.retry_backoff = config.job_retry_backoff;
  options.ttl = config.job_ttl;
  return options;
}

core::Result<Services> build_services(const Config& config, Role role,
                                      std::shared_ptr<ServiceMetrics> metrics,
                                      std::shared_ptr<ServiceLog> log) {
  Services services;
  services.metrics = metrics ? std::move(metrics) : std::make_shared<ServiceMetrics>();
  services.log = std::move(log);
  auto downloads = fetcher(config);
  if (!downloads) return downloads.error();
  auto catalog = load_catalog(config);
  if (!catalog) return catalog.error();
  services.catalog = std::move(*catalog);
  std::shared_ptr<const analysis::ContentScorer> content_scorer;
  if (!config.content_model.empty()) {
    auto chosen = models::choose_content_scorer(*services.catalog->current(), config.content_model);
    if (!chosen) return chosen.error();
    content_scorer = std::move(*chosen);
  }
  if (auto endpoint = config.redis_endpoint()) {
    services.redis =
        std::make_shared<RedisClient>(RedisClientOptions{.endpoint = *endpoint,
                                                         .timeout = config.redis_timeout,
                                                         .metrics = services.metrics,
                                                         .log = services.log});
  }
  auto flight = std::make_shared<SingleFlight>(
      std::shared_ptr<ResultCache>(
          make_result_cache(cache_options(config), services.redis, services.metrics)),
      services.redis, std::chrono::duration_cast<std::chrono::milliseconds>(config.cache_lock));
  analysis::AnalyzerOptions analyzer;
  analyzer.content.silence_threshold_dbfs = config.silence_threshold_dbfs;
  analyzer.content.scorer = std::move(content_scorer);
  services.pipeline = std::make_shared<const AnalysisPipeline>(
      std::move(*downloads), analysis::Analyzer(analyzer), services.catalog, std::move(flight),
      services.metrics, config.content_model);
  if (role == Role::serve) {
    services.jobs = job_queue(config, services);
    auto followed = streams(config, services);
    if (!followed) return followed.error();
    services.streams = std::move(*followed);
  }
  return services;
}

core::Result<Routes> build_routes(const Config& config, const Services& services) {
  auto docs = ApiDocs::load({.title = config.api_title,
                             .version = config.api_version,
                             .swagger_ui_dir = config.swagger_ui_dir});
  if (!docs) return docs.error();
  return Routes({.root_message = config.api_title + " " + config.api_version,
                 .redis = config.redis_endpoint()},
                services.pipeline, services.jobs, services.metrics, services.catalog,
                services.streams, std::move(*docs));
}

core::Result<Routes> build_routes(const Config& config, std::shared_ptr<ServiceMetrics> metrics,
                                  std::shared_ptr<ServiceLog> log) {
  auto services = build_services(config, Role::serve, std::move(metrics), std::move(log));
  if (!services) return services.error();
  return build_routes(config, *services);
}

std::unique_ptr<RedisJobWorker> build_worker(const Config& config, const Services& services) {
  return std::make_unique<RedisJobWorker>(services.redis, job_handler(services.pipeline),
                                          redis_job_options(config), callback_sender(config),
                                          services.metrics, services.log);
}

std::unique_ptr<RedisStreamWorker> build_stream_worker(const Config& config,
                                                       const Services& services) {
  auto options = redis_stream_options(config);
  if (!options) return nullptr;  // build_services refused a bad policy already
  options->streams.max_streams = static_cast<std::size_t>(config.worker_streams);
  return std::make_unique<RedisStreamWorker>(services.redis, std::move(*options), services.metrics,
                                             services.log);
}

core::Result<std::unique_ptr<Server>> start_server(const Config& config, ServeOptions options) {
  auto log = ServiceLog::create(
      {.level = config.log_level, .dir = config.log_dir, .console = options.console_log});
  if (!log) return log.error();
  auto services = build_services(config, Role::serve, nullptr, *log);
  if (!services) return services.error();
  auto routes = build_routes(config, *services);
  if (!routes) return routes.error();
  ServerOptions server;
  server.host = config.api_host;
  server.port = config.api_port;
  server.io_threads = options.io_threads;
  server.pool_threads = config.effective_worker_threads();
  server.max_queue = config.max_queue;
  server.max_connections = config.max_connections;
  server.body_budget_bytes = config.body_budget_bytes;
  server.max_upload_bytes = config.max_upload_bytes;
  server.header_timeout = config.header_timeout;
  server.keep_alive_timeout = config.keep_alive_timeout;
  server.request_timeout = config.request_timeout;
  server.shutdown_grace = config.shutdown_grace;
  return Server::start(server, std::move(*routes), services->metrics, *log);
}

}  // namespace earshot::app
