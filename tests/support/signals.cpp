#include "support/signals.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace earshot::test {

std::vector<float> sine(double frequency, double amplitude, int sample_rate, std::size_t frames,
                        double phase) {
  std::vector<float> out(frames);
  const double step = 2.0 * std::numbers::pi * frequency / sample_rate;
  for (std::size_t n = 0; n < frames; ++n) {
    out[n] = static_cast<float>(amplitude * std::sin(step * static_cast<double>(n) + phase));
  }
  return out;
}

std::vector<float> silence(std::size_t frames) {
  return std::vector<float>(frames, 0.0f);
}

std::vector<float> constant(float value, std::size_t frames) {
  return std::vector<float>(frames, value);
}

std::vector<float> noise(double amplitude, std::size_t frames, std::uint32_t seed) {
  // A fixed LCG rather than <random> distributions, whose output may differ between
  // standard libraries.
  std::vector<float> out(frames);
  std::uint32_t state = seed;
  for (auto& x : out) {
    state = state * 1664525u + 1013904223u;
    const double unit = static_cast<double>(state >> 8) / static_cast<double>(1u << 24);
    x = static_cast<float>(amplitude * (2.0 * unit - 1.0));
  }
  return out;
}

std::vector<float> interleave(std::initializer_list<std::span<const float>> channels) {
  if (channels.size() == 0) return {};
  const std::size_t frames = channels.begin()->size();
  for (const auto& channel : channels) {
    if (channel.size() != frames) throw std::invalid_argument("channels differ in length");
  }
  std::vector<float> out;
  out.reserve(frames * channels.size());
  for (std::size_t n = 0; n < frames; ++n) {
    for (const auto& channel : channels) out.push_back(channel[n]);
  }
  return out;
}

std::vector<float> concat(std::span<const float> a, std::span<const float> b) {
  std::vector<float> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

double rms(std::span<const float> x) {
  if (x.empty()) return 0.0;
  double sum = 0.0;
  for (const float v : x) sum += static_cast<double>(v) * v;
  return std::sqrt(sum / static_cast<double>(x.size()));
}

double peak(std::span<const float> x) {
  double largest = 0.0;
  for (const float v : x) largest = std::max(largest, std::fabs(static_cast<double>(v)));
  return largest;
}

std::size_t zero_crossings(std::span<const float> x) {
  std::size_t count = 0;
  for (std::size_t n = 1; n < x.size(); ++n) {
    if ((x[n - 1] < 0.0f) != (x[n] < 0.0f)) ++count;
  }
  return count;
}

double tone_magnitude(std::span<const float> x, double frequency, int sample_rate) {
  if (x.empty()) return 0.0;
  const double coefficient = 2.0 * std::cos(2.0 * std::numbers::pi * frequency / sample_rate);
  double s1 = 0.0, s2 = 0.0;
  for (const float v : x) {
    const double s0 = v + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return std::sqrt(std::max(power, 0.0)) / static_cast<double>(x.size());
}

}  // namespace earshot::test
