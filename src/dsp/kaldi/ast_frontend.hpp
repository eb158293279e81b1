// The input of the Audio Spectrogram Transformer: what Hugging Face's ASTFeatureExtractor
// (transformers) hands the model, computed without Python. A Kaldi log mel filterbank
// (torchaudio.compliance.kaldi.fbank with htk_compat, a "hanning" window, 128 bins, no dither,
// 10 ms shift, everything else at its default), zero-padded or truncated to 1024 frames, then
// normalised as (x - mean) / (2 * std) with the AudioSet statistics.
//
//   core::Result<dsp::Matrix> input = dsp::ast_input(samples, 16000);   // 1024 × 128
//
// The samples are used as given, in [-1, 1]: the extractor does not rescale them to 16-bit
// integers. Rows past the end of a short clip are padding: normalised zeros, about 0.467.
// Only the first max_length frames are computed, so a long file costs no more than 10.24 s.
//
// AstFrontend is immutable after create() and safe to share between threads; ast_input() uses
// one shared instance with the defaults (the AudioSet checkpoints' preprocessor_config.json).
#pragma once

#include <span>

#include "core/result.hpp"
#include "dsp/kaldi/kaldi_fbank.hpp"
#include "dsp/spectral/matrix.hpp"

namespace earshot::dsp {

// ASTFeatureExtractor's constructor arguments; the defaults are those of
// MIT/ast-finetuned-audioset-10-10-0.4593. Other checkpoints (Speech Commands) use
// max_length 128 and their own mean and std.
struct AstFrontendOptions {
  int sampling_rate = 16000;  // the only rate accepted by compute(); > 0
  int num_mel_bins = 128;     // >= 4
  int max_length = 1024;      // frames in the output; >= 1
  bool do_normalize = true;
  float mean = -4.2677393f;
  float std_dev = 4.5689974f;  // the extractor's `std`; > 0
};

class AstFrontend {
 public:
  // Errors: invalid_input for an option out of range.
  static core::Result<AstFrontend> create(const AstFrontendOptions& options = {});

  const AstFrontendOptions& options() const { return options_; }

  // max_length × num_mel_bins. Errors: invalid_input when sample_rate is not the configured
  // sampling_rate (resample first) or the clip is shorter than one 25 ms frame (the extractor
  // refuses it too).
  core::Result<Matrix> compute(std::span<const float> samples, int sample_rate) const;

 private:
  AstFrontend(AstFrontendOptions options, KaldiFbank fbank)
      : options_(options), fbank_(std::move(fbank)) {}

  AstFrontendOptions options_;
  KaldiFbank fbank_;
};

// AstFrontend with the default options, built once on first use.
core::Result<Matrix> ast_input(std::span<const float> samples, int sample_rate);

}  // namespace earshot::dsp
