// A picture of a whole file, small enough to draw: a waveform envelope (the lowest and highest
// sample of each stretch) and a log-mel spectrogram, both over 16 kHz mono and both streamed
// with bounded memory whatever the file's length. The web page (GET /ui) draws them; the API
// returns them when asked (`overview=true`, `earshot analyze --overview`).
//
//   OverviewBuilder builder({});
//   builder.add(mono_16khz_block);  // any number of times
//   AudioOverview overview = builder.finish();
//
// Resolution adapts to the length: a series holds at most `capacity` points; when it is full,
// neighbours merge in pairs and each point then covers twice the time. So a file gives between
// capacity / 2 and capacity points once it is long enough, and a short one a point per unit
// (1 ms of waveform, 32 ms of spectrogram).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace earshot::analysis {

struct OverviewOptions {
  bool enabled = false;
  std::size_t waveform_points = 1000;     // at most (even, >= 2)
  std::size_t spectrogram_columns = 400;  // at most (even, >= 2)
};

struct WaveformEnvelope {
  double seconds_per_point = 0.0;
  std::vector<float> min;  // per point, the lowest and highest sample, -1 .. 1
  std::vector<float> max;
};

inline constexpr std::size_t kOverviewBands = 64;

struct OverviewSpectrogram {
  double seconds_per_column = 0.0;
  double max_hz = 8000.0;  // bands are mel-spaced (Slaney) from 0 Hz to this
  double range_db = 80.0;  // level 0 is this far (or further) below the file's loudest band
  // Per column, kOverviewBands levels from the lowest band up: 255 is the loudest mean band
  // power in the file, 0 is range_db or more below it.
  std::vector<std::array<std::uint8_t, kOverviewBands>> levels;
};

struct AudioOverview {
  WaveformEnvelope waveform;
  OverviewSpectrogram spectrogram;
};

class OverviewBuilder {
 public:
  static constexpr int kSampleRate = 16000;

  explicit OverviewBuilder(const OverviewOptions& options);
  ~OverviewBuilder();
  OverviewBuilder(OverviewBuilder&&) noexcept;
  OverviewBuilder& operator=(OverviewBuilder&&) noexcept;

  // Mono samples at kSampleRate, continuing the stream.
  void add(std::span<const float> samples);
  // The overview of everything added; the builder is spent.
  AudioOverview finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace earshot::analysis
