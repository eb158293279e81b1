// `earshot features FILE --type mel|mfcc|fbank|ast-input|vector`: the features of one file as
// JSON or .npy, to stdout or a file.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace earshot::cli {

struct FeaturesOptions {
  std::string file;
  std::string type = "mel";
  std::string format = "json";  // json | npy
  std::string output = "-";     // a path, or - for stdout
  // Unset options take the type's defaults (docs/features.md): mel and mfcc follow librosa
  // (22050 Hz, n_fft 2048, hop 512, 128 mels, 20 MFCC), fbank follows Kaldi (16 kHz, 25/10 ms
  // frames, 23 bins), ast-input and vector have fixed parameters.
  std::optional<int> sample_rate;
  std::optional<int> n_fft;
  std::optional<int> hop_length;
  std::optional<int> n_mels;
  std::optional<int> n_mfcc;
  std::optional<double> fmin;
  std::optional<double> fmax;
  bool htk = false;  // HTK mel scale instead of Slaney (mel, mfcc)
  bool db = false;   // mel: power_to_db (ref 1, top_db 80) instead of power
};

// Computes and writes; errors go to `err` as {"file", "error": {...}}. Returns the exit code.
int run_features(const FeaturesOptions& options, std::ostream& out, std::ostream& err);

void add_features_command(CLI::App& app, int& exit_code);

}  // namespace earshot::cli
