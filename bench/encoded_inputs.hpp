// The benchmark inputs: the test signal as a 16-bit WAV written here, and the same WAV encoded
// to FLAC, MP3 and Opus by the ffmpeg command-line tool. Everything is read into memory so that
// the benchmarks decode from RAM and disk speed never counts; the temporary files are deleted
// before this returns.
//
//   const bench::EncodedInputs inputs = bench::make_encoded_inputs(60.0);
//   decode(inputs.files.at("mp3"));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace earshot::bench {

struct EncodedInputs {
  int sample_rate = 44100;
  int channels = 2;
  double seconds = 0.0;
  std::vector<float> pcm;                                  // the signal, interleaved
  std::map<std::string, std::vector<std::uint8_t>> files;  // "wav", "flac", "mp3", "opus"
};

// The ffmpeg the encodings are made with; an absolute path, so that PATH cannot change it.
inline constexpr const char* kFfmpeg = "/usr/bin/ffmpeg";

// Throws std::runtime_error when ffmpeg is missing or fails: without their inputs the
// benchmarks mean nothing, so the program stops rather than report partial figures.
EncodedInputs make_encoded_inputs(double seconds);

}  // namespace earshot::bench
