// Turns the decoder's interleaved blocks into mono at a requested rate: channels are averaged
// (so a mono file and the same signal in both stereo channels give identical output), then
// libswresample converts the rate. Streaming: feed blocks, then flush once at the end.
//
//   auto resampler = audio::MonoResampler::create(44100, 2, 16000);
//   std::vector<float> mono;
//   resampler->push(block, mono);   // appends
//   resampler->flush(mono);         // appends the filter's tail
//
// Not thread-safe; one per stream.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "audio/decoder.hpp"
#include "core/result.hpp"

namespace earshot::audio {

class MonoResampler {
 public:
  // target_rate == input_rate skips resampling and only downmixes.
  static core::Result<MonoResampler> create(int input_rate, int channels, int target_rate);

  MonoResampler(MonoResampler&&) noexcept;
  MonoResampler& operator=(MonoResampler&&) noexcept;
  ~MonoResampler();

  // Appends the mono, resampled version of `block` to `out`.
  core::Status push(const AudioBlock& block, std::vector<float>& out);
  // Appends the samples still held in the resampling filter. Call once, after the last push.
  core::Status flush(std::vector<float>& out);

  int target_rate() const;

 private:
  struct State;
  explicit MonoResampler(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace earshot::audio
