// Level statistics of a signal, computed while it streams past: RMS and sample peak, EBU R128
// integrated loudness and true peak (libebur128), silent fraction, DC offset, clipping.
//
//   auto stats = dsp::SignalStatsAccumulator::create(44100, 2);
//   for (each interleaved block) stats->add(block);
//   dsp::SignalStats result = stats->finish();
//
// Works on interleaved float PCM at the signal's own rate and channel count: loudness must
// see the original channels (BS.1770 sums channel powers; a downmix would change it).
// Not thread-safe; one accumulator per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/result.hpp"

namespace earshot::dsp {

struct SignalStatsOptions {
  // A window whose RMS (over all channels) is below this counts as silent. Range [-150, 0].
  double silence_threshold_dbfs = -50.0;
  // Length of the silence windows in seconds. Range (0, 10].
  double silence_window_seconds = 0.020;
  // A sample whose magnitude reaches this is counted as clipped. Range (0, 1]. The default
  // sits just below 16-bit full scale (32767/32768) so clipped integer PCM is caught too.
  double clip_level = 0.9999;
  // True peak needs 4x oversampling and is most of the cost; off, true_peak_dbfs is NaN.
  bool true_peak = true;
  // Integrated loudness from a histogram of 0.1 dB bins (libebur128's histogram mode) instead
  // of every 400 ms block's energy: memory stays flat however long the audio (the blocks of
  // two hours take about 3 MB), and the loudness moves by at most 0.05 LU. For streams.
  bool loudness_histogram = false;
};

// Levels in dB relative to full scale. A level of an all-zero signal is -infinity, and
// loudness is -infinity also when the signal is shorter than one 400 ms gating block.
struct SignalStats {
  double rms_dbfs = 0.0;
  double peak_dbfs = 0.0;
  double loudness_lufs = 0.0;  // EBU R128 / ITU-R BS.1770-4 integrated loudness
  double true_peak_dbfs = 0.0;
  double silent_fraction = 0.0;  // share of the signal's duration in silent windows, [0, 1]
  double dc_offset = 0.0;        // mean sample value over all channels
  double clipped_ratio = 0.0;    // share of samples at or above clip_level, [0, 1]
  std::int64_t frames = 0;
};

class SignalStatsAccumulator {
 public:
  // Errors: invalid_input for a rate, channel count or option out of range.
  static core::Result<SignalStatsAccumulator> create(int sample_rate, int channels,
                                                     SignalStatsOptions options = {});

  SignalStatsAccumulator(SignalStatsAccumulator&&) noexcept;
  SignalStatsAccumulator& operator=(SignalStatsAccumulator&&) noexcept;
  ~SignalStatsAccumulator();

  // `interleaved` holds whole frames: its size is a multiple of the channel count.
  void add(std::span<const float> interleaved);
  // The statistics of everything added so far; adding may go on afterwards.
  SignalStats finish() const;

 private:
  struct State;
  explicit SignalStatsAccumulator(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace earshot::dsp
