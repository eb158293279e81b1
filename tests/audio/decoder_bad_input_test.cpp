// Decoder on input that is not (good) audio: each case must give a specific error code and a
// readable message, or, for a damaged file that still holds audio, the audio plus a warning.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "audio/decoder.hpp"
#include "support/drain_decoder.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/process.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::audio {
namespace {

using core::ErrorCode;

constexpr int kRate = 44100;

// Opens and decodes to the end; the first error from either step.
core::Result<test::DrainedAudio> decode_path(const std::filesystem::path& path) {
  auto decoder = Decoder::open_file(path);
  if (!decoder) return decoder.error();
  return test::drain(*decoder);
}

core::Result<test::DrainedAudio> decode_bytes(std::span<const std::uint8_t> bytes) {
  auto decoder = Decoder::open_memory(bytes);
  if (!decoder) return decoder.error();
  return test::drain(*decoder);
}

bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

class DecoderBadInputTest : public testing::Test {
 protected:
  std::vector<std::uint8_t> wav_bytes(double seconds, int channels = 1) {
    const auto x = test::sine(440.0, 0.5, kRate, static_cast<std::size_t>(seconds * kRate));
    const auto interleaved = channels == 2 ? test::interleave({x, x}) : x;
    return test::encode_wav(interleaved, {kRate, channels, test::SampleFormat::s16});
  }

  test::TempDir dir_;
};

TEST_F(DecoderBadInputTest, MissingPathIsNotFound) {
  auto result = Decoder::open_file(dir_.file("does-not-exist.wav"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
  EXPECT_FALSE(result.error().message.empty());
}

TEST_F(DecoderBadInputTest, DirectoryIsAnIoError) {
  auto result = Decoder::open_file(dir_.path());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::io);
  EXPECT_FALSE(result.error().message.empty());
}

TEST_F(DecoderBadInputTest, EmptyFileIsInvalidInput) {
  test::write_text(dir_.file("empty.wav"), "");
  auto result = Decoder::open_file(dir_.file("empty.wav"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::invalid_input);
  EXPECT_FALSE(result.error().message.empty());
}

TEST_F(DecoderBadInputTest, EmptyMemoryBufferIsInvalidInput) {
  auto result = Decoder::open_memory({});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::invalid_input);
  EXPECT_FALSE(result.error().message.empty());
}

TEST_F(DecoderBadInputTest, TextFileIsUnsupportedFormat) {
  test::write_text(dir_.file("notes.wav"),
                   "These are not the samples you are looking for.\nJust some text.\n");
  auto result = Decoder::open_file(dir_.file("notes.wav"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::unsupported_format);
  EXPECT_FALSE(result.error().message.empty());
}

TEST_F(DecoderBadInputTest, RandomBytesInMemoryAreUnsupportedFormat) {
  const auto noise = test::noise(1.0, 16384, 12345);
  std::vector<std::uint8_t> bytes(noise.size());
  std::transform(noise.begin(), noise.end(), bytes.begin(),
                 [](float v) { return static_cast<std::uint8_t>((v + 1.0f) * 127.5f); });
  auto result = Decoder::open_memory(bytes);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::unsupported_format);
  EXPECT_FALSE(result.error().message.empty());
}

TEST_F(DecoderBadInputTest, TruncatedWavHeaderIsRefused) {
  // 20 bytes: "RIFF", size, "WAVE", and half of the fmt chunk header.
  auto bytes = wav_bytes(1.0);
  bytes.resize(20);
  test::write_bytes(dir_.file("truncated.wav"), bytes);
  for (const auto& result : {decode_path(dir_.file("truncated.wav")), decode_bytes(bytes)}) {
    ASSERT_FALSE(result.ok());
    // Either reading is sensible: the file is not recognisable audio, or it is a WAV that
    // cannot be decoded. Observed with FFmpeg 5.1: unsupported_format.
    EXPECT_TRUE(result.error().code == ErrorCode::unsupported_format ||
                result.error().code == ErrorCode::decode_failed)
        << core::to_string(result.error().code);
    EXPECT_FALSE(result.error().message.empty());
  }
}

TEST_F(DecoderBadInputTest, WavWithoutSamplesIsInvalidInput) {
  // A well-formed header whose data chunk is empty: a file, but no audio in it.
  const auto bytes = test::encode_wav({}, {kRate, 2, test::SampleFormat::s16});
  ASSERT_EQ(bytes.size(), test::kWavHeaderBytes);
  test::write_bytes(dir_.file("zero.wav"), bytes);
  for (const auto& result : {decode_path(dir_.file("zero.wav")), decode_bytes(bytes)}) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::invalid_input) << result.error().message;
    EXPECT_FALSE(result.error().message.empty());
  }
}

TEST_F(DecoderBadInputTest, WavEndingBeforeItsDeclaredLengthDecodesWhatIsThereWithAWarning) {
  // A download cut short: the header declares 3 s, the file holds 1 s.
  auto bytes = wav_bytes(1.0, 2);
  const std::uint32_t declared_bytes = 3 * kRate * 2 * 2;
  test::put_u32_le(bytes, test::kWavDataSizeOffset, declared_bytes);
  test::put_u32_le(bytes, 4, declared_bytes + test::kWavHeaderBytes - 8);
  test::write_bytes(dir_.file("cut.wav"), bytes);

  auto decoder = Decoder::open_file(dir_.file("cut.wav"));
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->frames(), static_cast<std::size_t>(kRate));
  EXPECT_DOUBLE_EQ(decoder->info().duration_seconds, 1.0);
  EXPECT_TRUE(any_contains(decoder->warnings(), "ends early"))
      << "warnings: " << testing::PrintToString(decoder->warnings());
}

TEST_F(DecoderBadInputTest, FlacCutShortDecodesWhatIsThereWithAWarning) {
  // Not a WAV, so only the comparison of decoded and declared length can notice: the FLAC
  // header declares 3 s of samples, the file holds about half of the encoded frames.
  test::write_bytes(dir_.file("full.wav"), wav_bytes(3.0, 2));
  ASSERT_TRUE(test::ffmpeg_encode(dir_.file("full.wav"), dir_.file("full.flac"), {"-c:a", "flac"}));
  auto bytes = test::read_bytes(dir_.file("full.flac"));
  bytes.resize(bytes.size() / 2);

  auto decoder = Decoder::open_memory(bytes);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_GT(decoder->info().duration_seconds, 1.0);
  EXPECT_LT(decoder->info().duration_seconds, 2.0);
  EXPECT_TRUE(any_contains(decoder->warnings(), "ends early"))
      << "warnings: " << testing::PrintToString(decoder->warnings());
}

TEST_F(DecoderBadInputTest, WavWithTrailingPartialFrameDropsOnlyThePartialFrame) {
  // A stereo 16-bit file cut mid-frame (an odd number of data bytes).
  auto bytes = wav_bytes(1.0, 2);
  bytes.resize(bytes.size() - 3);
  test::put_u32_le(bytes, test::kWavDataSizeOffset,
                   static_cast<std::uint32_t>(bytes.size() - test::kWavHeaderBytes));
  auto audio = decode_bytes(bytes);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->frames(), static_cast<std::size_t>(kRate) - 1);
}

TEST_F(DecoderBadInputTest, Mp3CorruptedInTheMiddleStillDecodesMostOfIt) {
  const auto x = test::sine(440.0, 0.5, kRate, 3 * kRate);
  test::write_wav(dir_.file("clean.wav"), test::interleave({x, x}),
                  {kRate, 2, test::SampleFormat::s16});
  ASSERT_TRUE(test::ffmpeg_encode(dir_.file("clean.wav"), dir_.file("clean.mp3"),
                                  {"-c:a", "libmp3lame", "-b:a", "128k"}));
  auto bytes = test::read_bytes(dir_.file("clean.mp3"));
  // Garbage over ~4 KB (about ten MP3 frames) in the middle of the stream.
  const auto garbage = test::noise(1.0, 4096, 99);
  const std::size_t start = bytes.size() / 2;
  ASSERT_GT(bytes.size(), start + garbage.size());
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    bytes[start + i] = static_cast<std::uint8_t>((garbage[i] + 1.0f) * 127.5f);
  }

  auto decoder = Decoder::open_memory(bytes);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  // Most of the 3 s survive: what is lost is about the damaged stretch.
  EXPECT_GT(decoder->info().duration_seconds, 2.5);
  EXPECT_LE(decoder->info().duration_seconds, 3.05);
  // The damage must be visible to the user. Observed with FFmpeg 5.1: the mp3 decoder rejects
  // a couple of frames (decode_errors 2, 2.69 s of 3 s decoded) and a warning names them.
  EXPECT_GT(decoder->decode_errors(), 0);
  EXPECT_TRUE(any_contains(decoder->warnings(), "corrupt"))
      << "warnings: " << testing::PrintToString(decoder->warnings());
}

TEST_F(DecoderBadInputTest, ContainerWithoutAudioIsUnsupportedFormat) {
  // A video-only Matroska file: a real media file, but nothing earshot can analyse.
  const auto path = dir_.file("video.mkv");
  const auto made =
      test::run_process({test::ffmpeg_path(), "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                         "color=c=black:s=16x16:d=0.2", "-c:v", "ffv1", path.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto result = Decoder::open_file(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::unsupported_format);
  EXPECT_NE(result.error().message.find("audio"), std::string::npos) << result.error().message;
}

TEST_F(DecoderBadInputTest, RelativePathsThatLookLikeUrlsAreReadAsLocalFiles) {
  // Given "concat:x.wav" or "http:x.wav", FFmpeg alone would pick a protocol by the prefix; a
  // local file of that name must be opened as the file it is, and nothing else.
  const auto bytes = wav_bytes(0.5);
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());  // relative names keep their prefix
  for (const char* name : {"concat:x.wav", "http:x.wav"}) {
    test::write_bytes(name, bytes);
    auto audio = decode_path(name);
    EXPECT_TRUE(audio.ok()) << name << ": " << audio.error().message;
    if (audio.ok()) {
      EXPECT_EQ(audio->frames(), static_cast<std::size_t>(kRate / 2)) << name;
    }
  }
  std::filesystem::current_path(previous);
}

}  // namespace
}  // namespace earshot::audio
