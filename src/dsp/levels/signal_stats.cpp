#include "dsp/levels/signal_stats.hpp"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsp/levels/true_peak_meter.hpp"

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

// Running totals over all windows closed so far.
struct Totals {
  double sum = 0.0;
  double sum_squares = 0.0;
  float peak = 0.0f;
  std::int64_t clipped = 0;
};

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
  std::size_t window_samples = 0;          // samples (frames x channels) per silence window
  double silent_power = 0.0;               // mean power below which a window is silent

  // Samples are summed one whole silence window at a time, from this buffer, so that every
  // sum covers the same samples in the same order whatever the caller's block sizes: the
  // statistics of a WAV and of a FLAC of the same audio are then bit-identical.
  std::vector<float> window;

  Totals totals;
  std::int64_t silent_frames = 0;
  std::int64_t frames = 0;

  // Adds the window's sums to `into`; returns the frames it held and whether it was silent.
  std::pair<std::int64_t, bool> sum_window(Totals& into) const {
    const RunSums sums =
        sum_run(window.data(), window.size(), static_cast<float>(options.clip_level));
    into.sum += sums.sum;
    into.sum_squares += sums.sum_squares;
    into.peak = std::max(into.peak, sums.peak);
    into.clipped += sums.clipped;
    const double mean_power = sums.sum_squares / static_cast<double>(window.size());
    return {static_cast<std::int64_t>(window.size()) / channels, mean_power < silent_power};
  }

  void close_window() {
    const auto [window_frames, silent] = sum_window(totals);
    if (silent) silent_frames += window_frames;
    window.clear();
  }
};

core::Result<SignalStatsAccumulator> SignalStatsAccumulator::create(int sample_rate, int channels,
                                                                    SignalStatsOptions options) {
  if (auto valid = validate(sample_rate, channels, options); !valid) return valid.error();
  auto state = std::make_unique<State>();
  state->options = options;
  state->channels = channels;
  state->window_samples = static_cast<std::size_t>(
      std::max<std::int64_t>(1, std::llround(options.silence_window_seconds * sample_rate)) *
      channels);
  state->window.reserve(state->window_samples);
  state->silent_power = std::pow(10.0, options.silence_threshold_dbfs / 10.0);
  const int mode = EBUR128_MODE_I | (options.loudness_histogram ? EBUR128_MODE_HISTOGRAM : 0);
  state->loudness.reset(
      ebur128_init(static_cast<unsigned>(channels), static_cast<unsigned long>(sample_rate), mode));
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

  std::span<const float> rest = interleaved.first(frames * s.channels);
  while (!rest.empty()) {
    const std::size_t take = std::min(s.window_samples - s.window.size(), rest.size());
    s.window.insert(s.window.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(take));
    rest = rest.subspan(take);
    if (s.window.size() == s.window_samples) s.close_window();
  }
  s.frames += static_cast<std::int64_t>(frames);
}

SignalStats SignalStatsAccumulator::finish() const {
  const State& s = *state_;
  // A final partial window counts with its own length. It is summed into copies, so that
  // finish() may be called part-way and the stream continued.
  Totals totals = s.totals;
  std::int64_t silent_frames = s.silent_frames;
  if (!s.window.empty()) {
    const auto [window_frames, silent] = s.sum_window(totals);
    if (silent) silent_frames += window_frames;
  }
  SignalStats stats;
  stats.frames = s.frames;
  if (s.frames == 0) {
    stats.rms_dbfs = stats.peak_dbfs = stats.loudness_lufs = stats.true_peak_dbfs = kMinusInfinity;
    return stats;
  }
  const auto samples = static_cast<double>(s.frames * s.channels);
  stats.rms_dbfs = power_to_db(totals.sum_squares / samples);
  stats.peak_dbfs = amplitude_to_db(totals.peak);
  stats.dc_offset = totals.sum / samples;
  stats.clipped_ratio = static_cast<double>(totals.clipped) / samples;
  stats.silent_fraction = static_cast<double>(silent_frames) / static_cast<double>(s.frames);

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
