// `earshot analyze FILE...`: one JSON object per file on stdout (JSON Lines), in the order the
// files were given, however many are analysed in parallel.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace earshot::cli {

struct AnalyzeOptions {
  std::vector<std::string> files;
  bool pretty = false;  // indent the JSON (then one object spans several lines)
  unsigned jobs = 1;    // files analysed at once
  double max_duration_seconds = 4.0 * 3600.0;
  double silence_threshold_dbfs = -50.0;  // 1 s windows below this RMS are silence
  bool overview = false;                  // add a waveform envelope and a spectrogram
};

// Analyses every file and writes one line each to `out`. A failed file gives
// {"file": ..., "error": {"code": ..., "message": ...}} and the others still complete.
// Returns the process exit code: 0 when all succeeded, 1 when any failed.
int run_analyze(const AnalyzeOptions& options, std::ostream& out);

// Adds the `analyze` subcommand to `app`; when it runs, its exit code goes to `exit_code`.
void add_analyze_command(CLI::App& app, int& exit_code);

}  // namespace earshot::cli
