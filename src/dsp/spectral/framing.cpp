#include "dsp/spectral/framing.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>

namespace earshot::dsp {
namespace {

// The sample at position p of the padded signal; p may lie outside [0, n).
float padded_sample(std::span<const float> x, std::int64_t p, PadMode mode) {
  const auto n = static_cast<std::int64_t>(x.size());
  if (p >= 0 && p < n) return x[static_cast<std::size_t>(p)];
  switch (mode) {
    case PadMode::constant:
      return 0.0f;
    case PadMode::edge:
      return p < 0 ? x.front() : x.back();
    case PadMode::reflect: {
      if (n == 1) return x.front();
      // Reflection is periodic with period 2(n - 1), as numpy's reflect pad repeats it.
      const std::int64_t period = 2 * (n - 1);
      std::int64_t q = p % period;
      if (q < 0) q += period;
      return x[static_cast<std::size_t>(q < n ? q : period - q)];
    }
  }
  return 0.0f;
}

}  // namespace

std::optional<PadMode> parse_pad_mode(std::string_view name) {
  if (name == "constant" || name == "zeros") return PadMode::constant;
  if (name == "reflect") return PadMode::reflect;
  if (name == "edge") return PadMode::edge;
  return std::nullopt;
}

core::Status validate(const FramingOptions& options) {
  if (options.frame_length < 1) {
    return core::Error{core::ErrorCode::invalid_input, "frame length must be at least 1"};
  }
  if (options.hop_length < 1) {
    return core::Error{core::ErrorCode::invalid_input, "hop length must be at least 1"};
  }
  return {};
}

std::size_t frame_count(std::size_t samples, const FramingOptions& options) {
  const auto hop = static_cast<std::size_t>(options.hop_length);
  const auto length = static_cast<std::size_t>(options.frame_length);
  // Centring pads length / 2 on each side: one sample short of a whole frame for odd lengths.
  const std::size_t padded = options.center ? samples + 2 * (length / 2) : samples;
  return padded < length ? 0 : 1 + (padded - length) / hop;
}

void copy_frame(std::span<const float> signal, std::size_t index, const FramingOptions& options,
                std::span<float> out) {
  assert(out.size() == static_cast<std::size_t>(options.frame_length));
  if (signal.empty()) {
    std::fill(out.begin(), out.end(), 0.0f);
    return;
  }
  const auto n = static_cast<std::int64_t>(signal.size());
  const std::int64_t length = options.frame_length;
  const std::int64_t start =
      static_cast<std::int64_t>(index) * options.hop_length - (options.center ? length / 2 : 0);
  // The common case, a frame wholly inside the signal, is a plain copy.
  if (start >= 0 && start + length <= n) {
    std::copy_n(signal.begin() + start, length, out.begin());
    return;
  }
  for (std::int64_t k = 0; k < length; ++k) {
    out[static_cast<std::size_t>(k)] = padded_sample(signal, start + k, options.pad_mode);
  }
}

}  // namespace earshot::dsp
