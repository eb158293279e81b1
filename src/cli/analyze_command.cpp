#include "cli/analyze_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <thread>

#include "analysis/analyzer.hpp"
#include "cli/progress_bar.hpp"

namespace earshot::cli {
namespace {

struct FileOutcome {
  std::string line;
  bool ok = false;
};

nlohmann::ordered_json error_json(const core::Error& error) {
  return {{"code", core::to_string(error.code)}, {"message", error.message}};
}

FileOutcome analyze_one(const analysis::Analyzer& analyzer, const std::string& file, bool pretty) {
  nlohmann::ordered_json line = {{"file", file}};
  bool ok = false;
  try {
    auto result = analyzer.analyze_file(file);
    ok = result.ok();
    if (ok) {
      line.update(analysis::to_json(*result));
    } else {
      line["error"] = error_json(result.error());
    }
  } catch (const std::exception&) {  // a bug or out of memory: this file fails, the run goes on
    line["error"] = error_json({core::ErrorCode::internal, "internal error"});
  }
  // Invalid UTF-8 in a file name is replaced rather than aborting the output.
  return {line.dump(pretty ? 2 : -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
          ok};
}

// Collects outcomes from worker threads so that the main thread can print them in input order.
class OrderedOutcomes {
 public:
  explicit OrderedOutcomes(std::size_t count) : slots_(count) {}

  void put(std::size_t index, FileOutcome outcome) {
    {
      std::lock_guard lock(mutex_);
      slots_[index] = std::move(outcome);
    }
    ready_.notify_one();
  }

  FileOutcome take(std::size_t index) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return slots_[index].has_value(); });
    FileOutcome outcome = std::move(*slots_[index]);
    slots_[index].reset();
    return outcome;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::optional<FileOutcome>> slots_;
};

}  // namespace

int run_analyze(const AnalyzeOptions& options, std::ostream& out) {
  analysis::AnalyzerOptions analyzer_options;
  analyzer_options.limits.max_duration_seconds = options.max_duration_seconds;
  analyzer_options.content.silence_threshold_dbfs = options.silence_threshold_dbfs;
  analyzer_options.overview.enabled = options.overview;
  const analysis::Analyzer analyzer(analyzer_options);

  const std::size_t count = options.files.size();
  OrderedOutcomes outcomes(count);
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      outcomes.put(i, analyze_one(analyzer, options.files[i], options.pretty));
    }
  };
  const std::size_t thread_count =
      std::clamp<std::size_t>(options.jobs, 1, std::max<std::size_t>(count, 1));
  std::vector<std::jthread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) threads.emplace_back(worker);

  int exit_code = 0;
  ProgressBar progress(count);
  for (std::size_t i = 0; i < count; ++i) {
    FileOutcome outcome = outcomes.take(i);
    out << outcome.line << '\n' << std::flush;
    if (!outcome.ok) exit_code = 1;
    progress.advance(options.files[i]);
  }
  return exit_code;
}

void add_analyze_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* command = app.add_subcommand(
      "analyze",
      "Print the content class, metadata and level statistics of audio files as JSON Lines");
  command->add_option("files", options->files, "Audio files (any format FFmpeg decodes)")
      ->required();
  command->add_flag("--pretty", options->pretty, "Indent the JSON output");
  command->add_option("-j,--jobs", options->jobs, "Files analysed in parallel")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  command
      ->add_option("--max-duration", options->max_duration_seconds,
                   "Refuse audio longer than this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--silence-threshold", options->silence_threshold_dbfs,
                   "dBFS: 1 s windows with a lower RMS are classified as silence")
      ->check(CLI::Range(-120.0, 0.0))
      ->capture_default_str();
  command->add_flag("--overview", options->overview,
                    "Add \"overview\": a waveform envelope and a mel spectrogram to draw");
  command->callback([options, &exit_code] { exit_code = run_analyze(*options, std::cout); });
}

}  // namespace earshot::cli
