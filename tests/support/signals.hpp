// Test signal generators. Each returns one channel; interleave() builds multichannel buffers
// in the layout the decoder and the statistics use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace earshot::test {

// amplitude * sin(2 pi frequency t + phase), t = n / sample_rate.
std::vector<float> sine(double frequency, double amplitude, int sample_rate, std::size_t frames,
                        double phase = 0.0);
std::vector<float> silence(std::size_t frames);
std::vector<float> constant(float value, std::size_t frames);
// Uniform white noise in [-amplitude, amplitude), reproducible for a given seed.
std::vector<float> noise(double amplitude, std::size_t frames, std::uint32_t seed = 1);

// Frames of channel 0, then channel 1, ... per frame. All channels must be equally long.
std::vector<float> interleave(std::initializer_list<std::span<const float>> channels);

// a followed by b.
std::vector<float> concat(std::span<const float> a, std::span<const float> b);

// Root mean square and largest magnitude of a buffer.
double rms(std::span<const float> x);
double peak(std::span<const float> x);

// Number of sign changes; a sine of f Hz over d seconds has about 2 * f * d of them.
std::size_t zero_crossings(std::span<const float> x);

// Magnitude of the DFT of x at one frequency (Goertzel), normalised so that a sine of
// amplitude A at exactly that frequency gives about A / 2.
double tone_magnitude(std::span<const float> x, double frequency, int sample_rate);

}  // namespace earshot::test
