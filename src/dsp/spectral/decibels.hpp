// Power to decibels, librosa.power_to_db's semantics:
//   10 log10(max(amin, S)) - 10 log10(max(amin, |ref|)), then, with top_db, floored at
//   (the largest value in the whole input) - top_db.
// The reference is a fixed value (librosa's ref=1.0, its default) or the input's own maximum
// (ref=np.max). Both the maximum and the top_db floor are taken over everything passed in one
// call, as librosa takes them over the whole array: call once per signal, not once per frame.
//
//   auto db = dsp::power_to_db(mel_power);                                  // ref 1, top_db 80
//   auto rel = dsp::power_to_db(mel_power, {.reference = dsp::DbReference::max});
#pragma once

#include <optional>
#include <span>

#include "core/result.hpp"
#include "dsp/spectral/matrix.hpp"

namespace earshot::dsp {

enum class DbReference {
  value,  // 10 log10(|ref_value|), librosa's ref=<number>
  max,    // the input's largest value, librosa's ref=np.max (0 dB at the loudest point)
};

struct PowerToDbOptions {
  DbReference reference = DbReference::value;
  double ref_value = 1.0;               // used with DbReference::value; its magnitude counts
  double amin = 1e-10;                  // > 0: smallest power considered (-100 dB re 1)
  std::optional<double> top_db = 80.0;  // >= 0: dynamic range kept below the peak; none: all
};

// invalid_input, naming the option, for amin <= 0, a negative top_db, or a non-finite value.
core::Status validate(const PowerToDbOptions& options);

// Converts `values` (power, >= 0) to decibels in place. Errors as validate(); the values are
// untouched on error.
core::Status power_to_db_in_place(std::span<float> values, const PowerToDbOptions& options = {});

// A converted copy of `power`, same shape.
core::Result<Matrix> power_to_db(const Matrix& power, const PowerToDbOptions& options = {});

}  // namespace earshot::dsp
