#include "service/pipeline/analysis_pipeline.hpp"

#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>

#include "analysis/analysis_result.hpp"
#include "analysis/content_cnn.hpp"
#include "earshot/version.hpp"
#include "models/audio_prediction.hpp"
#include "models/prediction_json.hpp"
#include "service/cache/cache_key.hpp"
#include "service/cache/result_cache.hpp"
#include "service/pipeline/model_catalog.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {
namespace {

using Clock = std::chrono::steady_clock;

std::string dump(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Error thrown(std::string_view what, const std::exception& e) {
  return core::Error{core::ErrorCode::internal, std::string(what) + " threw: " + e.what()};
}

analysis::Analyzer with_overview(const analysis::Analyzer& analyzer) {
  analysis::AnalyzerOptions options = analyzer.options();
  options.overview.enabled = true;
  return analysis::Analyzer(options);
}

}  // namespace

AnalysisPipeline::AnalysisPipeline(Fetcher fetcher, analysis::Analyzer analyzer,
                                   std::shared_ptr<ModelCatalog> catalog,
                                   std::shared_ptr<SingleFlight> flight,
                                   std::shared_ptr<ServiceMetrics> metrics,
                                   std::string content_model)
    : fetcher_(std::move(fetcher)),
      analyzer_(std::move(analyzer)),
      overview_analyzer_(with_overview(analyzer_)),
      catalog_(std::move(catalog)),
      flight_(std::move(flight)),
      metrics_(std::move(metrics)),
      content_variant_(content_model.empty()
                           ? "shipped:" + analysis::ContentCnn::shipped().version()
                           : content_model + "@" + catalog_->fingerprint()) {}

std::string AnalysisPipeline::analysis_variant(AnalysisDetail detail) const {
  return "analysis|earshot " + std::string(kVersion) + "|content " + content_variant_ +
         "|silence " + std::to_string(analyzer_.options().content.silence_threshold_dbfs) +
         (detail == AnalysisDetail::overview ? "|overview" : "");
}

core::Result<std::string> AnalysisPipeline::analyze(std::span<const std::uint8_t> bytes,
                                                    AnalysisDetail detail) const {
  try {
    const auto start = Clock::now();
    const analysis::Analyzer& analyzer =
        detail == AnalysisDetail::overview ? overview_analyzer_ : analyzer_;
    auto result = analyzer.analyze_bytes(bytes);
    metrics_->analysis_seconds.observe({},
                                       std::chrono::duration<double>(Clock::now() - start).count());
    if (!result) return result.error();
    metrics_->audio_seconds.add(result->info.duration_seconds);
    nlohmann::ordered_json body;
    body["status"] = "success";
    body["data"] = analysis::to_json(*result);
    return dump(body);
  } catch (const std::exception& e) {
    return thrown("analysis", e);
  }
}

core::Result<std::string> AnalysisPipeline::download_and_analyze(const std::string& url,
                                                                 AnalysisDetail detail) const {
  try {
    auto download = fetcher_.fetch(url);
    if (!download) return download.error();
    metrics_->downloaded_bytes.add(static_cast<double>(download->bytes.size()));
    return analyze(download->bytes, detail);
  } catch (const std::exception& e) {
    return thrown("download", e);
  }
}

core::Result<CacheOutcome> AnalysisPipeline::analyze_url(const std::string& url,
                                                         AnalysisDetail detail) const {
  return flight_->get_or_compute(url_cache_key(url, analysis_variant(detail)),
                                 [&] { return download_and_analyze(url, detail); });
}

core::Result<CacheOutcome> AnalysisPipeline::analyze_upload(std::span<const std::uint8_t> bytes,
                                                            AnalysisDetail detail) const {
  return flight_->get_or_compute(bytes_cache_key(bytes, analysis_variant(detail)),
                                 [&] { return analyze(bytes, detail); });
}

std::optional<std::string> AnalysisPipeline::cached_in_memory(const std::string& url,
                                                              AnalysisDetail detail) const {
  return flight_->cache().get_local(url_cache_key(url, analysis_variant(detail)));
}

core::Result<std::string> AnalysisPipeline::predict_job(const JobRequest& job) const {
  // The registry rides along: a reload while this runs does not free the model under it.
  const auto registry = catalog_->current();
  const models::Model* model = registry->find(job.model_name);
  if (!model) {
    return core::Error{core::ErrorCode::not_found,
                       "Unknown model '" + job.model_name + "'. Available: " + registry->names()};
  }
  try {
    auto download = fetcher_.fetch(job.audio_url);
    if (!download) return download.error();
    metrics_->downloaded_bytes.add(static_cast<double>(download->bytes.size()));
    auto analysis = analyze(download->bytes);
    if (!analysis) return analysis.error();
    const auto start = Clock::now();
    auto prediction = models::predict_bytes(*model, download->bytes, {});
    const double latency_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!prediction) return prediction.error();
    nlohmann::ordered_json predicted{{"model_name", model->info().name}};
    models::write_prediction(*prediction, predicted);
    predicted["latency_ms"] = latency_ms;
    nlohmann::ordered_json body;
    body["analysis"] = nlohmann::ordered_json::parse(*analysis)["data"];
    body["prediction"] = std::move(predicted);
    return dump(body);
  } catch (const std::exception& e) {
    return thrown("prediction", e);
  }
}

core::Result<std::string> AnalysisPipeline::run_job(const JobRequest& job) const {
  if (job.model_name.empty()) {
    auto analysis = analyze_url(job.audio_url);
    if (!analysis) return analysis.error();
    nlohmann::ordered_json body;
    body["analysis"] = nlohmann::ordered_json::parse(analysis->value)["data"];
    return dump(body);
  }
  const std::string variant =
      "job|model " + job.model_name + "@" + catalog_->fingerprint() + "|" + analysis_variant();
  auto outcome = flight_->get_or_compute(url_cache_key(job.audio_url, variant),
                                         [&] { return predict_job(job); });
  if (!outcome) return outcome.error();
  return std::move(outcome->value);
}

}  // namespace earshot::service
