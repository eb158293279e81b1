// Cutting a signal into overlapping frames, with the centring and padding conventions of
// librosa and torch.stft: with `center`, frame t is centred on sample t * hop_length and the
// signal is padded by frame_length / 2 on both sides; without it, frame t starts at
// t * hop_length and only whole frames are produced.
//
//   dsp::FramingOptions framing{.frame_length = 2048, .hop_length = 512};
//   std::vector<float> frame(2048);
//   for (std::size_t t = 0; t < dsp::frame_count(signal.size(), framing); ++t) {
//     dsp::copy_frame(signal, t, framing, frame);
//     ...
//   }
//
// Padding is virtual: no padded copy of the signal is made.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "core/result.hpp"

namespace earshot::dsp {

enum class PadMode {
  constant,  // zeros (librosa >= 0.10's default for the STFT)
  reflect,   // mirror without repeating the edge sample: d c b | a b c d | c b a
  edge,      // repeat the edge sample (librosa's zero-crossing rate)
};

// "constant" (also "zeros"), "reflect", "edge"; nothing for an unknown name.
std::optional<PadMode> parse_pad_mode(std::string_view name);

struct FramingOptions {
  int frame_length = 2048;  // >= 1
  int hop_length = 512;     // >= 1
  bool center = true;
  PadMode pad_mode = PadMode::constant;
};

// invalid_input for a non-positive length or hop.
core::Status validate(const FramingOptions& options);

// Frames a signal of `samples` samples gives: 1 + (padded - frame_length) / hop, where padded
// is samples + 2 (frame_length / 2) with centring (1 + samples / hop for even lengths) and
// samples without; 0 when that is shorter than one frame.
std::size_t frame_count(std::size_t samples, const FramingOptions& options);

// Writes frame `index` (frame_length samples) of `signal` into `out`, padding as configured.
// `out.size()` must be frame_length. An empty signal gives zeros whatever the pad mode.
void copy_frame(std::span<const float> signal, std::size_t index, const FramingOptions& options,
                std::span<float> out);

}  // namespace earshot::dsp
