#include "dsp/signal_stats.hpp"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "dsp/true_peak_meter.hpp"

namespace earshot::dsp {
namespace {

using core::Error;
using core::ErrorCode;

struct Ebur128Deleter {
  void operator()(ebur128_state* state) const { ebur128_destroy(&state); }
};

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

double power_to_db(double power) {
  return power > 0.0 ? 10.0 * std::log10(power) : kMinusInfinity;
}
double amplitude_to_db(double amplitude) {
  return amplitude > 0.0 ? 20.0 * std::log10(amplitude) : kMinusInfinity;
}

// Sums over one run of samples, in float for SIMD (the runs are at most one silence window
// long, so float precision is ample) and then added to the double totals by the caller.
struct RunSums {
  float sum = 0.0f;
  float sum_squares = 0.0f;
  float peak = 0.0f;
  std::int64_t clipped = 0;
};

RunSums sum_run(const float* x, std::size_t n, float clip_level) {
  float sum = 0.0f, sum_squares = 0.0f, peak = 0.0f;
  std::int64_t clipped = 0;
#pragma omp simd reduction(+ : sum, sum_squares, clipped) reduction(max : peak)
  for (std::size_t i = 0; i < n; ++i) {
    const float magnitude = std::fabs(x[i]);
    sum += x[i];
    sum_squares += x[i] * x[i];
    peak = std::max(peak, magnitude);
    clipped += magnitude >= clip_level ? 1 : 0;
  }
  return {sum, sum_squares, peak, clipped};
}

core::Status validate(int sample_rate, int channels, const SignalStatsOptions& o) {
  if (sample_rate <= 0 || sample_rate > 768000) {
    return Error{ErrorCode::invalid_input, "sample rate must be in (0, 768000]"};
  }
  if (channels <= 0 || channels > 64) {
    return Error{ErrorCode::invalid_input, "channel count must be in [1, 64]"};
  }
  if (!(o.silence_threshold_dbfs >= -150.0 && o.silence_threshold_dbfs <= 0.0)) {
    return Error{ErrorCode::invalid_input, "silence_threshold_dbfs must be in [-150, 0]"};
  }
  if (!(o.silence_window_seconds > 0.0 && o.silence_window_seconds <= 10.0)) {
    return Error{ErrorCode::invalid_input, "silence_window_seconds must be in (0, 10]"};
  }
  if (!(o.clip_level > 0.0 && o.clip_level <= 1.0)) {
    return Error{ErrorCode::invalid_input, "clip_level must be in (0, 1]"};
  }
  return {};
}

}  // namespace

struct SignalStatsAccumulator::State {
  SignalStatsOptions options;
  int channels = 0;
  std::unique_ptr<ebur128_state, Ebur128Deleter> loudness;
  std::optional<TruePeakMeter> true_peak;  // libebur128's own is several times slower
  std::int64_t window_frames = 0;          // frames per silence window
  double silent_power = 0.0;               // mean power below which a window is silent

  double sum = 0.0;
  double sum_squares = 0.0;
  float peak = 0.0f;
  std::int64_t clipped = 0;
  std::int64_t frames = 0;

  std::int64_t window_filled = 0;  // frames in the current silence window
  double window_squares = 0.0;
  std::int64_t silent_frames = 0;

  void close_window() {
    if (window_filled == 0) return;
    const double mean_power = window_squares / static_cast<double>(window_filled * channels);
    if (mean_power < silent_power) silent_frames += window_filled;
    window_filled = 0;
    window_squares = 0.0;
  }
};

core::Result<SignalStatsAccumulator> SignalStatsAccumulator::create(int sample_rate, int channels,
                                                                    SignalStatsOptions options) {
  if (auto valid = validate(sample_rate, channels, options); !valid) return valid.error();
  auto state = std::make_unique<State>();
  state->options = options;
  state->channels = channels;
  state->window_frames =
      std::max<std::int64_t>(1, std::llround(options.silence_window_seconds * sample_rate));
  state->silent_power = std::pow(10.0, options.silence_threshold_dbfs / 10.0);
  state->loudness.reset(ebur128_init(static_cast<unsigned>(channels),
                                     static_cast<unsigned long>(sample_rate), EBUR128_MODE_I));
  if (!state->loudness) return Error{ErrorCode::internal, "cannot create the loudness meter"};
  if (options.true_peak) state->true_peak.emplace(sample_rate, channels);
  return SignalStatsAccumulator(std::move(state));
}

void SignalStatsAccumulator::add(std::span<const float> interleaved) {
  State& s = *state_;
  const std::size_t frames = interleaved.size() / static_cast<std::size_t>(s.channels);
  if (frames == 0) return;
  ebur128_add_frames_float(s.loudness.get(), interleaved.data(), frames);
  if (s.true_peak) s.true_peak->add(interleaved.first(frames * s.channels));

  const auto clip_level = static_cast<float>(s.options.clip_level);
  std::size_t done = 0;
  while (done < frames) {
    const auto run = static_cast<std::size_t>(std::min<std::int64_t>(
        s.window_frames - s.window_filled, static_cast<std::int64_t>(frames - done)));
    const RunSums sums =
        sum_run(interleaved.data() + done * s.channels, run * s.channels, clip_level);
    s.sum += sums.sum;
    s.sum_squares += sums.sum_squares;
    s.peak = std::max(s.peak, sums.peak);
    s.clipped += sums.clipped;
    s.window_squares += sums.sum_squares;
    s.window_filled += static_cast<std::int64_t>(run);
    if (s.window_filled == s.window_frames) s.close_window();
    done += run;
  }
  s.frames += static_cast<std::int64_t>(frames);
}

SignalStats SignalStatsAccumulator::finish() {
  State& s = *state_;
  s.close_window();  // a final partial window counts with its own length
  SignalStats stats;
  stats.frames = s.frames;
  if (s.frames == 0) {
    stats.rms_dbfs = stats.peak_dbfs = stats.loudness_lufs = stats.true_peak_dbfs = kMinusInfinity;
    return stats;
  }
  const auto samples = static_cast<double>(s.frames * s.channels);
  stats.rms_dbfs = power_to_db(s.sum_squares / samples);
  stats.peak_dbfs = amplitude_to_db(s.peak);
  stats.dc_offset = s.sum / samples;
  stats.clipped_ratio = static_cast<double>(s.clipped) / samples;
  stats.silent_fraction = static_cast<double>(s.silent_frames) / static_cast<double>(s.frames);

  double loudness = kMinusInfinity;
  if (ebur128_loudness_global(s.loudness.get(), &loudness) != EBUR128_SUCCESS) {
    loudness = kMinusInfinity;
  }
  stats.loudness_lufs = loudness;  // libebur128 reports -HUGE_VAL for silence or short input

  stats.true_peak_dbfs =
      s.true_peak ? amplitude_to_db(s.true_peak->peak()) : std::numeric_limits<double>::quiet_NaN();
  return stats;
}

SignalStatsAccumulator::SignalStatsAccumulator(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
SignalStatsAccumulator::SignalStatsAccumulator(SignalStatsAccumulator&&) noexcept = default;
SignalStatsAccumulator& SignalStatsAccumulator::operator=(SignalStatsAccumulator&&) noexcept =
    default;
SignalStatsAccumulator::~SignalStatsAccumulator() = default;

}  // namespace earshot::dsp
