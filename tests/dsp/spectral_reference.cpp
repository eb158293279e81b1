#include "spectral_reference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace earshot::test {

dsp::StftOptions stft_options(const nlohmann::json& params, float power) {
  const auto window = dsp::parse_window_type(params.at("window").get<std::string>());
  const auto pad_mode = dsp::parse_pad_mode(params.at("pad_mode").get<std::string>());
  EXPECT_TRUE(window.has_value()) << params.at("window");
  EXPECT_TRUE(pad_mode.has_value()) << params.at("pad_mode");
  return dsp::StftOptions{
      .n_fft = params.at("n_fft").get<int>(),
      .win_length = params.at("win_length").get<int>(),
      .hop_length = params.at("hop_length").get<int>(),
      .window = window.value_or(dsp::WindowType::hann),
      .symmetry = params.at("window_periodic").get<bool>() ? dsp::WindowSymmetry::periodic
                                                           : dsp::WindowSymmetry::symmetric,
      .center = params.at("center").get<bool>(),
      .pad_mode = pad_mode.value_or(dsp::PadMode::constant),
      .power = power,
  };
}

dsp::MelOptions mel_options(const nlohmann::json& params) {
  const auto& norm = params.at("norm");
  EXPECT_TRUE(norm.is_null() || norm == "slaney") << norm;
  return dsp::MelOptions{
      .sample_rate = params.at("sr").get<int>(),
      .n_mels = params.at("n_mels").get<int>(),
      .fmin = params.at("fmin").get<double>(),
      .fmax = params.at("fmax").get<double>(),
      .scale = params.at("htk").get<bool>() ? dsp::MelScale::htk : dsp::MelScale::slaney,
      .norm = norm.is_null() ? dsp::MelNorm::none : dsp::MelNorm::slaney,
  };
}

dsp::MelSpectrogramOptions mel_spectrogram_options(const nlohmann::json& params) {
  return dsp::MelSpectrogramOptions{
      .stft = stft_options(params, params.at("power").get<float>()),
      .mel = mel_options(params),
  };
}

dsp::PowerToDbOptions power_to_db_options(const nlohmann::json& params) {
  dsp::PowerToDbOptions options;
  if (params.at("ref") == "max") {
    options.reference = dsp::DbReference::max;
  } else {
    options.ref_value = params.at("ref").get<double>();
  }
  options.amin = params.at("amin").get<double>();
  if (params.at("top_db").is_null()) {
    options.top_db.reset();
  } else {
    options.top_db = params.at("top_db").get<double>();
  }
  return options;
}

dsp::MfccOptions mfcc_options(const nlohmann::json& params) {
  EXPECT_EQ(params.at("dct_type"), 2);
  EXPECT_EQ(params.at("dct_norm"), "ortho");
  return dsp::MfccOptions{
      .mel = mel_spectrogram_options(params),
      .db = power_to_db_options(params),
      .n_mfcc = params.at("n_mfcc").get<int>(),
      .lifter = params.at("lifter").get<double>(),
  };
}

bool same_shape(const dsp::Matrix& actual, const ReferenceCase& reference) {
  const auto& shape = reference.expected.shape;
  if (shape.size() == 1) return actual.rows == shape[0] && actual.cols == 1;
  return shape.size() == 2 && actual.rows == shape[0] && actual.cols == shape[1];
}

double max_relative_error_to_peak(std::span<const float> actual, std::span<const float> expected,
                                  double floor_ratio) {
  double peak = 0.0;
  for (float v : expected) peak = std::max(peak, std::fabs(static_cast<double>(v)));
  // An all-zero golden (silence) must be matched exactly: any floor > 0 then measures |a|.
  return max_relative_error(actual, expected, std::max(floor_ratio * peak, 1e-30));
}

double max_db_error_within(std::span<const float> actual, std::span<const float> expected,
                           double range_db) {
  if (expected.empty()) return 0.0;
  const float top = *std::max_element(expected.begin(), expected.end());
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    if (expected[i] < top - range_db) continue;
    worst = std::max(worst, std::fabs(static_cast<double>(actual[i]) - expected[i]));
  }
  return worst;
}

}  // namespace earshot::test
