#include "cli/features_command.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "audio/decode_all.hpp"
#include "cli/feature_output.hpp"
#include "dsp/descriptors/feature_vector.hpp"
#include "dsp/kaldi/ast_frontend.hpp"
#include "dsp/kaldi/kaldi_fbank.hpp"
#include "dsp/spectral/decibels.hpp"
#include "dsp/spectral/mel_spectrogram.hpp"
#include "dsp/spectral/mfcc.hpp"

namespace earshot::cli {
namespace {

using core::Error;
using core::ErrorCode;

constexpr int kLibrosaRate = 22050;
constexpr int kKaldiRate = 16000;
constexpr int kAstRate = 16000;

int default_rate(const std::string& type) {
  if (type == "fbank") return kKaldiRate;
  if (type == "ast-input") return kAstRate;
  if (type == "vector") return dsp::kFeatureSampleRate;
  return kLibrosaRate;
}

core::Status check_applicable(const FeaturesOptions& o) {
  const bool stft_type = o.type == "mel" || o.type == "mfcc";
  if (!stft_type && (o.n_fft || o.hop_length || o.fmin || o.fmax || o.htk || o.db)) {
    return Error{ErrorCode::invalid_input,
                 "--n-fft, --hop, --fmin, --fmax, --htk and --db apply to mel and mfcc only"};
  }
  if (o.n_mfcc && o.type != "mfcc") {
    return Error{ErrorCode::invalid_input, "--n-mfcc applies to mfcc only"};
  }
  if (o.db && o.type != "mel") return Error{ErrorCode::invalid_input, "--db applies to mel only"};
  if (o.type == "ast-input" && (o.sample_rate || o.n_mels)) {
    return Error{ErrorCode::invalid_input,
                 "--type ast-input has fixed parameters; --sr and --n-mels do not apply"};
  }
  // The vector's definition is fixed, its rate is not: registry models compute it at theirs.
  if (o.type == "vector" && o.n_mels) {
    return Error{ErrorCode::invalid_input,
                 "--type vector has fixed parameters; --n-mels does not apply"};
  }
  return {};
}

dsp::MelSpectrogramOptions mel_options(const FeaturesOptions& o, int rate) {
  dsp::MelSpectrogramOptions mel;
  mel.stft.n_fft = o.n_fft.value_or(2048);
  mel.stft.hop_length = o.hop_length.value_or(512);
  mel.mel.sample_rate = rate;
  mel.mel.n_mels = o.n_mels.value_or(128);
  mel.mel.fmin = o.fmin.value_or(0.0);
  mel.mel.fmax = o.fmax;
  if (o.htk) mel.mel.scale = dsp::MelScale::htk;
  return mel;
}

core::Result<dsp::Matrix> compute_matrix(const FeaturesOptions& o, std::span<const float> pcm,
                                         int rate) {
  if (o.type == "mel") {
    auto mel = dsp::MelSpectrogram::create(mel_options(o, rate));
    if (!mel) return mel.error();
    auto power = mel->compute(pcm);
    if (!power || !o.db) return power;
    return dsp::power_to_db(*power, dsp::PowerToDbOptions{});
  }
  if (o.type == "mfcc") {
    dsp::MfccOptions options;
    options.mel = mel_options(o, rate);
    options.n_mfcc = o.n_mfcc.value_or(20);
    auto mfcc = dsp::Mfcc::create(options);
    if (!mfcc) return mfcc.error();
    return mfcc->compute(pcm);
  }
  if (o.type == "fbank") {
    dsp::KaldiFbankOptions options;
    options.sample_frequency = rate;
    if (o.n_mels) options.num_mel_bins = *o.n_mels;
    auto fbank = dsp::KaldiFbank::create(options);
    if (!fbank) return fbank.error();
    return fbank->compute(pcm);
  }
  return dsp::ast_input(pcm, rate);  // ast-input
}

int hop_of(const FeaturesOptions& o, int rate) {
  if (o.type == "mel" || o.type == "mfcc") return o.hop_length.value_or(512);
  return rate / 100;  // Kaldi's 10 ms frame shift (fbank, ast-input)
}

core::Status compute_and_write(const FeaturesOptions& o, std::ostream& out) {
  if (auto applicable = check_applicable(o); !applicable) return applicable;
  const FeatureFormat format = o.format == "npy" ? FeatureFormat::npy : FeatureFormat::json;
  const int rate = o.sample_rate.value_or(default_rate(o.type));
  auto audio = audio::decode_file(o.file, {.target_sample_rate = rate, .limits = {}});
  if (!audio) return audio.error();
  FeatureHeader header{o.file, o.type, rate, 0};

  if (o.type == "vector") {
    auto extractor = dsp::FeatureExtractor::create(rate);
    if (!extractor) return extractor.error();
    auto values = extractor->compute(audio->samples, rate);
    if (!values) return values.error();
    const auto names = dsp::feature_names();
    std::vector<std::pair<std::string, float>> named;
    named.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) named.emplace_back(names[i], (*values)[i]);
    return write_vector(out, format, header, std::string(dsp::kFeatureSetName), named);
  }
  auto matrix = compute_matrix(o, audio->samples, rate);
  if (!matrix) return matrix.error();
  header.hop_length = hop_of(o, rate);
  return write_matrix(out, format, header, *matrix);
}

}  // namespace

int run_features(const FeaturesOptions& options, std::ostream& out, std::ostream& err) {
  core::Status status;
  try {
    if (options.output == "-") {
      status = compute_and_write(options, out);
    } else {
      std::ofstream file(options.output, std::ios::binary);
      status = file ? compute_and_write(options, file)
                    : Error{ErrorCode::io, "cannot write " + options.output};
    }
  } catch (const std::exception&) {  // a bug or out of memory: report, never crash
    status = Error{ErrorCode::internal, "internal error"};
  }
  if (status) return 0;
  const nlohmann::ordered_json error = {
      {"file", options.file},
      {"error",
       {{"code", core::to_string(status.error().code)}, {"message", status.error().message}}}};
  err << error.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  return 1;
}

void add_features_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<FeaturesOptions>();
  CLI::App* command = app.add_subcommand(
      "features", "Write a file's features (mel, MFCC, Kaldi fbank, AST input, feature vector)");
  command->add_option("file", o->file, "Audio file (any format FFmpeg decodes)")->required();
  command->add_option("-t,--type", o->type, "Which features")
      ->check(CLI::IsMember({"mel", "mfcc", "fbank", "ast-input", "vector"}))
      ->capture_default_str();
  command->add_option("-f,--format", o->format, "Output format")
      ->check(CLI::IsMember({"json", "npy"}))
      ->capture_default_str();
  command->add_option("-o,--output", o->output, "Output file, - for stdout")->capture_default_str();
  command->add_option("--sr", o->sample_rate, "Analysis sample rate in Hz (the audio is resampled)")
      ->check(CLI::Range(1000, 384000));
  command->add_option("--n-fft", o->n_fft, "FFT size (mel, mfcc; default 2048)")
      ->check(CLI::Range(16, 65536));
  command->add_option("--hop", o->hop_length, "Samples between frames (mel, mfcc; default 512)")
      ->check(CLI::Range(1, 65536));
  command->add_option("--n-mels", o->n_mels, "Mel bands (mel, mfcc default 128; fbank 23)")
      ->check(CLI::Range(1, 1024));
  command->add_option("--n-mfcc", o->n_mfcc, "MFCC coefficients (default 20)")
      ->check(CLI::Range(1, 1024));
  command->add_option("--fmin", o->fmin, "Lowest mel frequency in Hz (default 0)");
  command->add_option("--fmax", o->fmax, "Highest mel frequency in Hz (default sr/2)");
  command->add_flag("--htk", o->htk, "HTK mel scale instead of Slaney");
  command->add_flag("--db", o->db, "mel: decibels (power_to_db, top_db 80) instead of power");
  command->callback([o, &exit_code] { exit_code = run_features(*o, std::cout, std::cerr); });
}

}  // namespace earshot::cli
