// Whole-signal convenience over the streaming Decoder and MonoResampler: the entire file as
// mono float PCM at one rate. Memory grows with the file's length (bounded by DecodeLimits);
// prefer the block API of decoder.hpp for long inputs.
//
//   auto audio = audio::decode_file("clip.flac", {.target_sample_rate = 16000, .limits = {}});
//   if (audio) classify(audio->samples, audio->sample_rate);
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "audio/audio_info.hpp"
#include "audio/decoder.hpp"
#include "core/result.hpp"

namespace earshot::audio {

struct DecodeOptions {
  int target_sample_rate = 16000;  // 0 keeps the file's own rate
  DecodeLimits limits;
};

struct DecodedAudio {
  AudioInfo info;                     // of the original file
  int sample_rate = 0;                // of `samples`
  std::vector<float> samples;         // mono
  std::vector<std::string> warnings;  // see Decoder::warnings
};

core::Result<DecodedAudio> decode_all(Decoder& decoder, int target_sample_rate);
core::Result<DecodedAudio> decode_file(const std::filesystem::path& path, DecodeOptions = {});
core::Result<DecodedAudio> decode_memory(std::span<const std::uint8_t> bytes, DecodeOptions = {});

}  // namespace earshot::audio
