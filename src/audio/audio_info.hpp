// What a file is, as opposed to what it contains: the facts read from its container and codec.
#pragma once

#include <cstdint>
#include <string>

namespace earshot::audio {

struct AudioInfo {
  double duration_seconds = 0.0;  // decoded length once decoding finished; header estimate before
  int sample_rate = 0;            // the file's own rate, before any resampling
  int channels = 0;               // the file's own channel count, before any downmix
  std::string codec;              // FFmpeg codec name: "pcm_s16le", "flac", "mp3", "opus", "aac"
  std::string container;          // "wav", "flac", "mp3", "ogg", "m4a", "mp4", "matroska", ...
  std::int64_t bit_rate = 0;      // bits per second; 0 when neither stream nor container says
};

}  // namespace earshot::audio
