// The deterministic test signal every benchmark decodes or measures, and its 16-bit WAV file.
// Generated rather than checked in, so the repository carries no audio and every run of every
// benchmark sees bit-identical input.
//
//   auto pcm = bench::make_test_signal(44100, 2, 60.0);   // interleaved floats
//   std::vector<std::uint8_t> wav = bench::encode_wav16(pcm, 44100, 2);
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace earshot::bench {

// A mix of a few tones per channel with slow amplitude modulation and white noise, peaking
// around -8 dBFS: busy enough that lossy codecs have real work to do, quiet enough not to clip.
std::vector<float> make_test_signal(int sample_rate, int channels, double seconds);

// A complete RIFF/WAVE file of 16-bit PCM from interleaved float samples in [-1, 1].
std::vector<std::uint8_t> encode_wav16(std::span<const float> interleaved, int sample_rate,
                                       int channels);

}  // namespace earshot::bench
