#include "service/job_setup.hpp"

#include "service/memory_jobs.hpp"

namespace earshot::service {

JobHandler job_handler(std::shared_ptr<const AnalysisPipeline> pipeline) {
  return [pipeline = std::move(pipeline)](const JobRequest& job) { return pipeline->run_job(job); };
}

RedisJobOptions redis_job_options(const Config& config) {
  RedisJobOptions options;
  options.max_attempts = config.max_attempts;
  options.visibility_timeout = config.job_visibility_timeout;
  options.retry_backoff = config.job_retry_backoff;
  options.ttl = config.job_ttl;
  return options;
}

std::shared_ptr<CallbackSender> callback_sender(const Config& config) {
  CallbackOptions options;
  // Routes::create has refused a bad ALLOWED_NETWORKS before any job queue is made; should it
  // not have, callbacks keep the strict default.
  auto policy = make_address_policy(config.allow_private_urls, config.allowed_networks);
  if (policy) options.policy = std::move(*policy);
  return std::make_shared<CallbackSender>(options);
}

std::shared_ptr<JobQueue> make_job_queue(const Config& config, std::shared_ptr<RedisClient> redis,
                                         std::shared_ptr<const AnalysisPipeline> pipeline,
                                         std::shared_ptr<ServiceMetrics> metrics) {
  if (redis) {
    return std::make_shared<RedisJobQueue>(std::move(redis), redis_job_options(config),
                                           std::move(metrics));
  }
  MemoryJobOptions options;
  options.concurrency = config.worker_jobs;
  options.max_attempts = config.max_attempts;
  options.retry_backoff = config.job_retry_backoff;
  options.ttl = config.job_ttl;
  options.max_records = static_cast<std::size_t>(config.max_job_records);
  options.max_record_bytes = static_cast<std::size_t>(config.max_job_record_bytes);
  return std::make_shared<MemoryJobQueue>(job_handler(std::move(pipeline)), options,
                                          callback_sender(config), std::move(metrics));
}

}  // namespace earshot::service
