// Options for earshot's spectral features from the parameters of a golden case
// (tools/reference/generate.py names them as librosa/torchaudio do: n_fft, hop_length,
// win_length, window, window_periodic, center, pad_mode, power, sr, n_mels, fmin, fmax, htk,
// norm, ref, amin, top_db, n_mfcc, lifter), and the error measures the spectral tests report.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "dsp/spectral/decibels.hpp"
#include "dsp/spectral/matrix.hpp"
#include "dsp/spectral/mel.hpp"
#include "dsp/spectral/mel_spectrogram.hpp"
#include "dsp/spectral/mfcc.hpp"
#include "dsp/spectral/stft.hpp"
#include "support/reference.hpp"

namespace earshot::test {

dsp::StftOptions stft_options(const nlohmann::json& params, float power);
dsp::MelOptions mel_options(const nlohmann::json& params);
dsp::MelSpectrogramOptions mel_spectrogram_options(const nlohmann::json& params);
dsp::PowerToDbOptions power_to_db_options(const nlohmann::json& params);
dsp::MfccOptions mfcc_options(const nlohmann::json& params);

// The golden's shape as (rows, cols); a 1-D golden is one column.
bool same_shape(const dsp::Matrix& actual, const ReferenceCase& reference);

// Largest |a - b| / max(|b|, floor_ratio * max|b|) over a whole case: a relative error, except
// for values far below the case's peak, whose float32 round-off is a fixed amount of the
// peak's (an FFT's error is spread over all its bins).
double max_relative_error_to_peak(std::span<const float> actual, std::span<const float> expected,
                                  double floor_ratio);

// Largest |a - b| over the entries whose expected value lies within `range_db` of the largest
// expected value (decibel outputs: below that, the power itself is float32 round-off).
double max_db_error_within(std::span<const float> actual, std::span<const float> expected,
                           double range_db);

}  // namespace earshot::test
