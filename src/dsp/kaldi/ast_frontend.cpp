#include "dsp/kaldi/ast_frontend.hpp"

#include <cmath>
#include <string>
#include <utility>

namespace earshot::dsp {
namespace {

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

// The fbank call of ASTFeatureExtractor._extract_fbank_features.
KaldiFbankOptions extractor_fbank_options(const AstFrontendOptions& options) {
  return KaldiFbankOptions{.sample_frequency = static_cast<double>(options.sampling_rate),
                           .frame_shift = 10.0,
                           .dither = 0.0,
                           .window_type = "hanning",
                           .num_mel_bins = options.num_mel_bins,
                           .use_energy = false,
                           .htk_compat = true};
}

}  // namespace

core::Result<AstFrontend> AstFrontend::create(const AstFrontendOptions& options) {
  if (options.sampling_rate <= 0) return invalid("sampling_rate must be a positive number of Hz");
  if (options.max_length < 1) return invalid("max_length must be at least 1 frame");
  if (!(options.std_dev > 0.0f && std::isfinite(options.std_dev)) || !std::isfinite(options.mean)) {
    return invalid("mean must be finite and std positive");
  }
  auto fbank = KaldiFbank::create(extractor_fbank_options(options));
  if (!fbank) return fbank.error();
  return AstFrontend(options, std::move(*fbank));
}

core::Result<Matrix> AstFrontend::compute(std::span<const float> samples, int sample_rate) const {
  if (sample_rate != options_.sampling_rate) {
    return invalid("the AST front end takes " + std::to_string(options_.sampling_rate) +
                   " Hz audio, not " + std::to_string(sample_rate) + " Hz; resample it first");
  }
  const auto max_length = static_cast<std::size_t>(options_.max_length);
  auto fbank = fbank_.compute(samples, max_length);
  if (!fbank) return fbank.error();

  // Zero rows below the frames there are, as the extractor's ZeroPad2d adds them.
  Matrix out = std::move(*fbank);
  out.values.resize(max_length * out.cols, 0.0f);
  out.rows = max_length;
  if (options_.do_normalize) {
    // numpy float32 arithmetic with Python-float operands rounded to float first:
    // (x - mean) / (std * 2), a division rather than a multiplication by the reciprocal.
    const float mean = options_.mean;
    const auto scale = static_cast<float>(2.0 * static_cast<double>(options_.std_dev));
    float* values = out.values.data();
#pragma omp simd
    for (std::size_t i = 0; i < out.values.size(); ++i) values[i] = (values[i] - mean) / scale;
  }
  return out;
}

core::Result<Matrix> ast_input(std::span<const float> samples, int sample_rate) {
  // Built on first use; the defaults cannot fail to validate.
  static const AstFrontend frontend = std::move(*AstFrontend::create());
  return frontend.compute(samples, sample_rate);
}

}  // namespace earshot::dsp
