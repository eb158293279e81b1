#include "cli/analyze_command.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <thread>

#include "analysis/analyzer.hpp"
#include "cli/analyze_output.hpp"
#include "cli/progress_bar.hpp"

namespace earshot::cli {
namespace {

using timeline::TimelineFormat;

constexpr int kUsageError = 2;
constexpr double kDefaultMaxDurationSeconds = 4.0 * 3600.0;

struct FileOutcome {
  std::string out;  // for standard output
  std::string err;  // for standard error
  bool ok = false;
};

// Reads standard input as it arrives; 0 at its end.
audio::StreamRead standard_input() {
  return [](std::uint8_t* out, int size) -> int {
    while (true) {
      const ssize_t count = ::read(STDIN_FILENO, out, static_cast<std::size_t>(size));
      if (count >= 0) return static_cast<int>(count);
      if (errno != EINTR) return -1;
    }
  };
}

core::Result<analysis::AnalysisResult> analyze_input(const analysis::Analyzer& analyzer,
                                                     const AnalyzeOptions& options,
                                                     const std::string& file,
                                                     const analysis::SegmentSink& on_segment) {
  if (file != "-") return analyzer.analyze_file(file, on_segment);
  audio::StreamFormat format{options.raw_format, options.rate, options.channels};
  return analyzer.analyze_stream(standard_input(), std::move(format), on_segment);
}

std::string error_text(const std::string& file, const core::Error& error, TimelineFormat format) {
  if (format == TimelineFormat::json) {
    const nlohmann::ordered_json line{{"file", file}, {"error", error_json(error)}};
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
  }
  return "earshot analyze: " + file + ": " + error.message + '\n';
}

std::filesystem::path output_path(const AnalyzeOptions& options, const std::string& file,
                                  TimelineFormat format) {
  const std::string stem = file == "-" ? std::string("stdin") : timeline::file_id_of(file);
  return std::filesystem::path(options.output_dir) / (stem + "." + std::string(extension(format)));
}

FileOutcome analyze_one(const analysis::Analyzer& analyzer, const AnalyzeOptions& options,
                        const std::string& file, TimelineFormat format, bool whole) {
  FileOutcome outcome;
  try {
    auto result = analyze_input(analyzer, options, file, {});
    if (!result) {
      (format == TimelineFormat::json ? outcome.out : outcome.err) =
          error_text(file, result.error(), format);
      return outcome;
    }
    std::string text = render(*result, file, format, whole, options.pretty);
    if (options.output_dir.empty()) {
      outcome.out = std::move(text);
    } else {
      const auto path = output_path(options, file, format);
      std::ofstream stream(path, std::ios::binary);
      stream << text;
      if (!stream.flush()) {
        outcome.err = error_text(file, {core::ErrorCode::io, "cannot write " + path.string()},
                                 TimelineFormat::audacity);
        return outcome;
      }
    }
    outcome.ok = true;
  } catch (const std::exception&) {  // a bug or out of memory: this file fails, the run goes on
    outcome.out.clear();
    (format == TimelineFormat::json ? outcome.out : outcome.err) =
        error_text(file, {core::ErrorCode::internal, "internal error"}, format);
  }
  return outcome;
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

// Why these options cannot run together, if they cannot.
std::optional<std::string> usage_problem(const AnalyzeOptions& options,
                                         std::optional<TimelineFormat> format) {
  if (!format) {
    return "unknown --format " + options.format + "; choose one of " +
           std::string(timeline::format_names());
  }
  const auto stdin_count = std::count(options.files.begin(), options.files.end(), "-");
  if (stdin_count > 1) return "\"-\" (standard input) can be read only once";
  if (!options.raw_format.empty()) {
    if (stdin_count == 0) return "--raw-format describes standard input: name it as \"-\"";
    if (options.rate <= 0 || options.channels <= 0) {
      return "--raw-format needs --rate and --channels";
    }
  }
  if (options.follow) {
    if (options.files.size() != 1) return "--follow reads one input";
    if (!timeline::streamable(*format)) {
      return "--follow cannot write " + options.format +
             ": it states its length before its first interval";
    }
    if (!options.output_dir.empty()) return "--follow writes to standard output";
  }
  if (options.files.size() > 1 && options.output_dir.empty() && !concatenable(*format)) {
    return "a " + options.format +
           " document holds one input; give --output-dir for several, or one file";
  }
  return std::nullopt;
}

analysis::Analyzer make_analyzer(const AnalyzeOptions& options) {
  analysis::AnalyzerOptions analyzer_options;
  analyzer_options.limits.max_duration_seconds = options.max_duration_seconds.value_or(
      options.follow ? std::numeric_limits<double>::infinity() : kDefaultMaxDurationSeconds);
  if (options.follow) {
    // A stream followed has no end to bound; its memory is flat (ContentFollower).
    analyzer_options.limits.max_decoded_samples = std::numeric_limits<std::int64_t>::max();
  }
  analyzer_options.content.silence_threshold_dbfs = options.silence_threshold_dbfs;
  analyzer_options.overview.enabled = options.overview;
  return analysis::Analyzer(analyzer_options);
}

int run_follow(const analysis::Analyzer& analyzer, const AnalyzeOptions& options,
               TimelineFormat format, std::ostream& out, std::ostream& err) {
  const std::string& file = options.files.front();
  FollowPrinter printer(format, file, out);
  printer.begin();
  const auto result = analyze_input(analyzer, options, file,
                                    [&](const auto& segment) { printer.segment(segment); });
  if (!result) {
    (format == TimelineFormat::json ? out : err) << error_text(file, result.error(), format);
    return 1;
  }
  printer.summary(*result);
  return 0;
}

}  // namespace

int run_analyze(const AnalyzeOptions& options, std::ostream& out, std::ostream& err) {
  const auto format = timeline::parse_format(options.format);
  if (const auto problem = usage_problem(options, format)) {
    err << "earshot analyze: " << *problem << '\n';
    return kUsageError;
  }
  const analysis::Analyzer analyzer = make_analyzer(options);
  if (options.follow) return run_follow(analyzer, options, *format, out, err);

  const std::size_t count = options.files.size();
  // One input, or each into a file of its own, makes whole documents; several on one output
  // share the header printed once here.
  const bool whole = count == 1 || !options.output_dir.empty();
  if (!whole && *format != TimelineFormat::json) {
    out << timeline::TimelineWriter(*format, "").header();
  }
  OrderedOutcomes outcomes(count);
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      outcomes.put(i, analyze_one(analyzer, options, options.files[i], *format, whole));
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
    out << outcome.out << std::flush;
    err << outcome.err << std::flush;
    if (!outcome.ok) exit_code = 1;
    progress.advance(options.files[i]);
  }
  return exit_code;
}

void add_analyze_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* command = app.add_subcommand(
      "analyze",
      "Print the content class, metadata and level statistics of audio as JSON Lines, or the "
      "timeline in another tool's format");
  command
      ->add_option("files", options->files,
                   "Audio files (any format FFmpeg decodes); - reads standard input")
      ->required();
  command
      ->add_option("-f,--format", options->format,
                   "json (the whole result), or the timeline as " +
                       std::string(timeline::format_names()).substr(5))
      ->capture_default_str();
  command
      ->add_option("-o,--output-dir", options->output_dir,
                   "Write each input's result to DIR/NAME.EXT instead of standard output")
      ->check(CLI::ExistingDirectory);
  command->add_flag("--follow", options->follow,
                    "Print each segment as soon as it is final (within a few seconds of its "
                    "end), then a summary; for pipes and live streams");
  command->add_option("--raw-format", options->raw_format,
                      "Standard input is headerless PCM in this sample format (s16le, f32le, "
                      "...); needs --rate and --channels");
  command->add_option("--rate", options->rate, "Sample rate of --raw-format input, in Hz")
      ->check(CLI::Range(1, 768000));
  command->add_option("--channels", options->channels, "Channels of --raw-format input")
      ->check(CLI::Range(1, 64));
  command->add_flag("--pretty", options->pretty, "Indent the JSON output");
  command->add_option("-j,--jobs", options->jobs, "Files analysed in parallel")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  command
      ->add_option("--max-duration", options->max_duration_seconds,
                   "Refuse audio longer than this many seconds (default 14400; none with "
                   "--follow)")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--silence-threshold", options->silence_threshold_dbfs,
                   "dBFS: 1 s windows with a lower RMS are classified as silence")
      ->check(CLI::Range(-120.0, 0.0))
      ->capture_default_str();
  command->add_flag("--overview", options->overview,
                    "Add \"overview\": a waveform envelope and a mel spectrogram to draw");
  command->callback(
      [options, &exit_code] { exit_code = run_analyze(*options, std::cout, std::cerr); });
}

}  // namespace earshot::cli
