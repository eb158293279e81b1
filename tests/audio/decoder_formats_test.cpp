// Decoder over every supported format (WAV PCM 8/16/24/32-bit and float, FLAC, MP3, Vorbis,
// Opus, AAC in M4A), from a path and from memory: the facts it reports and the samples it returns
// must match the audio the test generated.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "audio/decode_all.hpp"
#include "audio/decoder.hpp"
#include "support/drain_decoder.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::audio {
namespace {

using test::SampleFormat;

struct FormatCase {
  std::string name;
  SampleFormat wav_format;               // of the generated WAV (the encoder's input)
  int sample_rate;                       // of the generated WAV
  int channels;                          // of the generated WAV
  std::vector<std::string> encode_args;  // ffmpeg arguments; empty: decode the WAV itself
  std::string extension;
  std::string codec;
  std::string container;
  int decoded_rate;     // what the decoder reports (Opus always decodes at 48 kHz)
  int frame_tolerance;  // length error allowed, in frames at decoded_rate: 0 for lossless,
                        // one codec frame for lossy (encoder delay and padding)
  bool lossless;
};

void PrintTo(const FormatCase& c, std::ostream* os) {
  *os << c.name;
}

// A WAV decoded as it is: lossless at any rate.
FormatCase wav(const char* name, SampleFormat format, int rate, int channels, const char* codec) {
  return {name, format, rate, channels, {}, "wav", codec, "wav", rate, 0, true};
}

// A 44.1 kHz stereo 16-bit WAV encoded by ffmpeg; lossless when no frame tolerance is needed.
FormatCase encoded(const char* name, std::vector<std::string> args, const char* extension,
                   const char* codec, const char* container, int decoded_rate,
                   int frame_tolerance) {
  FormatCase c = wav(name, SampleFormat::s16, 44100, 2, codec);
  c.encode_args = std::move(args);
  c.extension = extension;
  c.container = container;
  c.decoded_rate = decoded_rate;
  c.frame_tolerance = frame_tolerance;
  c.lossless = frame_tolerance == 0;
  return c;
}

const std::vector<FormatCase>& format_cases() {
  static const std::vector<FormatCase> cases = {
      wav("wav_u8", SampleFormat::u8, 8000, 1, "pcm_u8"),
      wav("wav_s16", SampleFormat::s16, 44100, 2, "pcm_s16le"),
      wav("wav_s24", SampleFormat::s24, 48000, 2, "pcm_s24le"),
      wav("wav_s32", SampleFormat::s32, 96000, 1, "pcm_s32le"),
      wav("wav_f32", SampleFormat::f32, 22050, 2, "pcm_f32le"),
      encoded("flac", {"-c:a", "flac"}, "flac", "flac", "flac", 44100, 0),
      encoded("mp3", {"-c:a", "libmp3lame", "-b:a", "192k"}, "mp3", "mp3", "mp3", 44100, 1152),
      encoded("vorbis", {"-c:a", "libvorbis", "-q:a", "5"}, "ogg", "vorbis", "ogg", 44100, 2048),
      encoded("opus", {"-c:a", "libopus", "-b:a", "128k"}, "opus", "opus", "ogg", 48000, 960),
      encoded("aac_m4a", {"-c:a", "aac", "-b:a", "192k"}, "m4a", "aac", "m4a", 44100, 1024),
  };
  return cases;
}

DecodeOptions at_file_rate() {
  DecodeOptions options;
  options.target_sample_rate = 0;  // keep the file's own rate
  return options;
}

// 1.3 s: not a whole number of any codec's frames, so padding and trimming are exercised.
constexpr double kSeconds = 1.3;

class DecoderFormatTest : public testing::TestWithParam<FormatCase> {
 protected:
  void SetUp() override {
    const FormatCase& c = GetParam();
    frames_ = static_cast<std::size_t>(std::lround(kSeconds * c.sample_rate));
    // Different tones per channel, so that swapped or mixed channels are noticed.
    channels_.push_back(test::sine(440.0, 0.5, c.sample_rate, frames_));
    if (c.channels == 2) channels_.push_back(test::sine(660.0, 0.25, c.sample_rate, frames_));
    const auto interleaved =
        c.channels == 2 ? test::interleave({channels_[0], channels_[1]}) : channels_[0];

    const auto wav = dir_.file("source.wav");
    test::write_wav(wav, interleaved, {c.sample_rate, c.channels, c.wav_format});
    path_ = wav;
    if (!c.encode_args.empty()) {
      path_ = dir_.file("encoded." + c.extension);
      ASSERT_TRUE(test::ffmpeg_encode(wav, path_, c.encode_args));
    }
    bytes_ = test::read_bytes(path_);
  }

  // The expected frame count at the decoder's rate.
  double expected_frames() const {
    const FormatCase& c = GetParam();
    return static_cast<double>(frames_) * c.decoded_rate / c.sample_rate;
  }

  void expect_matches_source(const AudioInfo& info, const test::DrainedAudio& audio) const {
    const FormatCase& c = GetParam();
    EXPECT_EQ(info.codec, c.codec);
    EXPECT_EQ(info.container, c.container);
    EXPECT_EQ(info.sample_rate, c.decoded_rate);
    EXPECT_EQ(info.channels, c.channels);
    ASSERT_EQ(audio.channels, c.channels);
    if (c.encode_args.empty()) {
      // PCM: rate * channels * bits, e.g. 1411200 for CD audio.
      EXPECT_EQ(info.bit_rate, static_cast<std::int64_t>(c.sample_rate) * c.channels *
                                   test::bits_per_sample(c.wav_format));
    } else {
      EXPECT_GT(info.bit_rate, 0);
    }

    const double decoded_frames = static_cast<double>(audio.frames());
    EXPECT_NEAR(decoded_frames, expected_frames(), c.frame_tolerance);
    EXPECT_NEAR(info.duration_seconds, kSeconds,
                static_cast<double>(c.frame_tolerance) / c.decoded_rate);
    EXPECT_DOUBLE_EQ(info.duration_seconds, decoded_frames / c.decoded_rate);

    for (int ch = 0; ch < c.channels; ++ch) {
      std::vector<float> decoded;
      for (std::size_t n = ch; n < audio.samples.size(); n += c.channels) {
        decoded.push_back(audio.samples[n]);
      }
      if (c.lossless) {
        expect_same_samples(decoded, ch);
      } else {
        // A lossy codec changes every sample, but at these bit rates a pure tone keeps its level
        // (within 0.5 dB) and its frequency.
        const double source_rms = test::rms(channels_[ch]);
        EXPECT_NEAR(20.0 * std::log10(test::rms(decoded) / source_rms), 0.0, 0.5)
            << "channel " << ch;
        const double tone = ch == 0 ? 440.0 : 660.0;
        EXPECT_GT(test::tone_magnitude(decoded, tone, c.decoded_rate),
                  10.0 * test::tone_magnitude(decoded, tone * 1.5, c.decoded_rate));
      }
    }
  }

  void expect_same_samples(const std::vector<float>& decoded, int channel) const {
    const FormatCase& c = GetParam();
    ASSERT_EQ(decoded.size(), frames_);
    std::size_t mismatches = 0;
    for (std::size_t n = 0; n < frames_; ++n) {
      const float expected = test::quantize(channels_[channel][n], c.wav_format);
      // 32-bit integers do not fit a float's 24-bit mantissa; every other format is exact.
      if (std::fabs(decoded[n] - expected) > 1e-6f && ++mismatches <= 5) {
        ADD_FAILURE() << "channel " << channel << " frame " << n << ": decoded " << decoded[n]
                      << ", expected " << expected;
      }
    }
    EXPECT_EQ(mismatches, 0u);
  }

  test::TempDir dir_;
  std::filesystem::path path_;
  std::vector<std::uint8_t> bytes_;
  std::size_t frames_ = 0;
  std::vector<std::vector<float>> channels_;
};

TEST_P(DecoderFormatTest, DecodesFromAPath) {
  auto decoder = Decoder::open_file(path_);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  expect_matches_source(decoder->info(), *audio);
  EXPECT_EQ(decoder->frames_decoded(), static_cast<std::int64_t>(audio->frames()));
  EXPECT_EQ(decoder->decode_errors(), 0);
  EXPECT_TRUE(decoder->warnings().empty());
}

TEST_P(DecoderFormatTest, DecodesFromMemory) {
  auto decoder = Decoder::open_memory(bytes_);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  expect_matches_source(decoder->info(), *audio);
  EXPECT_EQ(decoder->decode_errors(), 0);
  EXPECT_TRUE(decoder->warnings().empty());
}

TEST_P(DecoderFormatTest, MemoryAndPathGiveTheSameAudio) {
  auto from_file = Decoder::open_file(path_);
  auto from_memory = Decoder::open_memory(bytes_);
  ASSERT_TRUE(from_file.ok() && from_memory.ok());
  auto file_audio = test::drain(*from_file);
  auto memory_audio = test::drain(*from_memory);
  ASSERT_TRUE(file_audio.ok() && memory_audio.ok());
  EXPECT_EQ(file_audio->samples, memory_audio->samples);
  EXPECT_EQ(from_file->info().bit_rate, from_memory->info().bit_rate);
  EXPECT_EQ(from_file->info().container, from_memory->info().container);
}

TEST_P(DecoderFormatTest, HeaderEstimatesTheDurationBeforeDecoding) {
  // Callers use the estimate to refuse long inputs before spending time on them.
  auto decoder = Decoder::open_memory(bytes_);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  const FormatCase& c = GetParam();
  const double tolerance = std::max(0.01, 2.0 * c.frame_tolerance / c.decoded_rate);
  EXPECT_NEAR(decoder->info().duration_seconds, kSeconds, tolerance);
}

TEST_P(DecoderFormatTest, DecodeMemoryAtTheFileRateEqualsDecodeFile) {
  auto from_file = decode_file(path_, at_file_rate());
  auto from_memory = decode_memory(bytes_, at_file_rate());
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  ASSERT_TRUE(from_memory.ok()) << from_memory.error().message;
  const FormatCase& c = GetParam();
  EXPECT_EQ(from_file->sample_rate, c.decoded_rate);
  EXPECT_EQ(from_file->info.channels, c.channels);  // of the file, not of the mono output
  EXPECT_EQ(from_file->info.codec, c.codec);
  EXPECT_NEAR(static_cast<double>(from_file->samples.size()), expected_frames(), c.frame_tolerance);
  EXPECT_EQ(from_file->samples, from_memory->samples);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, DecoderFormatTest, testing::ValuesIn(format_cases()),
                         [](const testing::TestParamInfo<FormatCase>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace earshot::audio
