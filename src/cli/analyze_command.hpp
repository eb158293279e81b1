// `earshot analyze FILE...`: one JSON object per file on stdout (JSON Lines), in the order the
// files were given, however many are analysed in parallel; or the timelines in another tool's
// format (--format), into one file each (--output-dir). "-" reads a pipe; --follow prints each
// segment as soon as it is final.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace earshot::cli {

struct AnalyzeOptions {
  std::vector<std::string> files;  // "-": standard input
  bool pretty = false;             // indent the JSON (then one object spans several lines)
  unsigned jobs = 1;               // files analysed at once
  std::optional<double> max_duration_seconds;  // 4 h unless set; no limit with --follow
  double silence_threshold_dbfs = -50.0;       // 1 s windows below this RMS are silence
  bool overview = false;                       // add a waveform envelope and a spectrogram
  std::string format = "json";                 // timeline::parse_format names
  std::string output_dir;                      // one document per input there, when set
  bool follow = false;                         // print segments as they close
  // Headerless PCM on standard input: an FFmpeg sample format, rate and channels.
  std::string raw_format;
  int rate = 0;
  int channels = 0;
};

// Analyses every input and writes the results to `out`, errors to `err`. A failed file gives
// {"file": ..., "error": {"code": ..., "message": ...}} in JSON (on `err` in other formats)
// and the others still complete. Returns the process exit code: 0 when all succeeded, 1 when
// any failed, 2 for options that do not go together.
int run_analyze(const AnalyzeOptions& options, std::ostream& out, std::ostream& err);

// Adds the `analyze` subcommand to `app`; when it runs, its exit code goes to `exit_code`.
void add_analyze_command(CLI::App& app, int& exit_code);

}  // namespace earshot::cli
