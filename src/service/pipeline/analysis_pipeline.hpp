// What the analysis routes and the jobs share: download (with the fetcher's address checks),
// decode and analyse, with the result cache in front and each result computed once (single
// flight), plus a registry model's prediction for jobs that name one. Metrics (analysis time,
// audio seconds, downloaded bytes) are counted here.
//
//   auto outcome = pipeline->analyze_url("https://example.com/a.mp3");
//   if (outcome) respond(outcome->value, outcome->hit ? "HIT" : "MISS");
//
// Cache keys (cache_key.hpp) take a `variant` of everything that changes a result: earshot's
// version, the content model (the shipped model's version, or CONTENT_MODEL and the registry's
// fingerprint), the silence threshold, and for a job with a model, that model and the
// registry's fingerprint. Thread-safe; shared by the routes and the job queue.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "analysis/analyzer.hpp"
#include "core/result.hpp"
#include "service/cache/single_flight.hpp"
#include "service/jobs/jobs.hpp"
#include "service/outbound/fetch.hpp"

namespace earshot::service {

class ModelCatalog;
struct ServiceMetrics;

// How much an analysis says: the summary, or with it the overview the web page draws (a
// waveform envelope and a spectrogram; analysis/overview.hpp). Each is cached on its own.
enum class AnalysisDetail { summary, overview };

class AnalysisPipeline {
 public:
  AnalysisPipeline(Fetcher fetcher, analysis::Analyzer analyzer,
                   std::shared_ptr<ModelCatalog> catalog, std::shared_ptr<SingleFlight> flight,
                   std::shared_ptr<ServiceMetrics> metrics, std::string content_model);

  // {"status": "success", "data": <analysis>} as JSON text, for the file at `url` or uploaded.
  // Errors: those of the download and of the analysis.
  core::Result<CacheOutcome> analyze_url(const std::string& url,
                                         AnalysisDetail detail = AnalysisDetail::summary) const;
  core::Result<CacheOutcome> analyze_upload(std::span<const std::uint8_t> bytes,
                                            AnalysisDetail detail = AnalysisDetail::summary) const;
  // The cached answer for `url` when this process's memory has it (the memory cache, or the
  // near cache in front of Redis): such hits are answered without a download, an analysis or
  // a network round trip.
  std::optional<std::string> cached_in_memory(
      const std::string& url, AnalysisDetail detail = AnalysisDetail::summary) const;

  // What a job computes: {"analysis": <analysis>} and, with a model, "prediction": {"model_name",
  // "prediction", "probability", "all_probabilities", ...}, as JSON text. Errors: not_found for
  // a model the registry no longer has, and those of the download and the analysis.
  core::Result<std::string> run_job(const JobRequest& job) const;

 private:
  std::string analysis_variant(AnalysisDetail detail = AnalysisDetail::summary) const;
  core::Result<std::string> analyze(std::span<const std::uint8_t> bytes,
                                    AnalysisDetail detail = AnalysisDetail::summary) const;
  core::Result<std::string> download_and_analyze(const std::string& url,
                                                 AnalysisDetail detail) const;
  core::Result<std::string> predict_job(const JobRequest& job) const;

  Fetcher fetcher_;
  analysis::Analyzer analyzer_;
  analysis::Analyzer overview_analyzer_;  // analyzer_'s options with the overview turned on
  std::shared_ptr<ModelCatalog> catalog_;
  std::shared_ptr<SingleFlight> flight_;
  std::shared_ptr<ServiceMetrics> metrics_;
  // The content model in cache keys: the shipped model's version, or CONTENT_MODEL with the
  // registry's fingerprint when it was chosen (a reload does not change the scorer).
  std::string content_variant_;
};

}  // namespace earshot::service
