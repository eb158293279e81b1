// The job queue a configuration asks for: Redis Streams when Redis is configured (jobs are run
// by `earshot worker` processes), otherwise the in-process queue, which runs jobs on the
// service's own threads (single node, not durable). Also the worker's settings from the config.
#pragma once

#include <memory>

#include "service/analysis_pipeline.hpp"
#include "service/callback.hpp"
#include "service/config.hpp"
#include "service/jobs.hpp"
#include "service/redis_jobs.hpp"

namespace earshot::service {

class RedisClient;
struct ServiceMetrics;

// A handler that runs jobs with `pipeline` (analysis, and a model's prediction when named).
JobHandler job_handler(std::shared_ptr<const AnalysisPipeline> pipeline);

// MAX_ATTEMPTS, JOB_VISIBILITY_TIMEOUT_SECONDS, JOB_RETRY_BACKOFF_MS and JOB_TTL_SECONDS.
RedisJobOptions redis_job_options(const Config& config);
// Callbacks with the download address policy (ALLOW_PRIVATE_URLS).
std::shared_ptr<CallbackSender> callback_sender(const Config& config);

// The Redis queue when `redis` is set; otherwise the in-process queue with WORKER_JOBS threads,
// MAX_ATTEMPTS, JOB_RETRY_BACKOFF_MS, JOB_TTL_SECONDS, and its records capped by
// MAX_JOB_RECORDS and MAX_JOB_RECORD_BYTES (memory_jobs.hpp).
std::shared_ptr<JobQueue> make_job_queue(const Config& config, std::shared_ptr<RedisClient> redis,
                                         std::shared_ptr<const AnalysisPipeline> pipeline,
                                         std::shared_ptr<ServiceMetrics> metrics);

}  // namespace earshot::service
