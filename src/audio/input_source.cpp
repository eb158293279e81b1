#include "audio/input_source.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace earshot::audio::detail {
namespace {

using core::Error;
using core::ErrorCode;

// Demuxers of formats that carry audio. Playlist and script formats (hls, concat, dash, ...)
// are left out on purpose: they make FFmpeg open further files or URLs named in the input.
constexpr const char* kAllowedFormats =
    "wav,w64,rf64,flac,mp3,ogg,mov,matroska,aac,loas,aiff,caf,au,amr,amrnb,amrwb,ac3,eac3,dts,"
    "dtshd,truehd,mlp,ape,wv,tta,tak,asf,mpc,mpc8,voc,xwma,dsf,iff,avi,flv,mpeg,mpegts,rm,"
    "nistsphere,sox,wsaud,gsm,sbc,aptx,aptx_hd,spdif,mxf,nut";

constexpr int kIoBufferSize = 64 * 1024;
constexpr std::size_t kHeadBytes = 64 * 1024;  // enough to reach a WAV's data chunk

std::optional<RiffShortfall> riff_shortfall_of_file(const std::filesystem::path& path,
                                                    std::uint64_t file_size) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> head(std::min<std::uint64_t>(kHeadBytes, file_size));
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return find_riff_shortfall(head, file_size);
}

void silence_ffmpeg_logging() {
  // Corrupt input is reported through Decoder::decode_errors and warnings, not FFmpeg's
  // stderr chatter, which would interleave with the CLI's output.
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

Error open_error(int code) {
  if (code == AVERROR(ENOENT)) return {ErrorCode::not_found, "no such file"};
  if (code == AVERROR(EACCES) || code == AVERROR(EPERM) || code == AVERROR(EISDIR)) {
    return {ErrorCode::io, "cannot read the file: " + av_error_text(code)};
  }
  return {ErrorCode::unsupported_format, "not a recognised audio format"};
}

core::Status open_demuxer(InputSource& source, const char* url, const char* protocols) {
  AVDictionary* options = nullptr;
  av_dict_set(&options, "format_whitelist", kAllowedFormats, 0);
  av_dict_set(&options, "protocol_whitelist", protocols, 0);
  AVFormatContext* raw = source.format.release();  // freed by avformat_open_input on failure
  const int code = avformat_open_input(&raw, url, nullptr, &options);
  av_dict_free(&options);
  if (code < 0) return open_error(code);
  source.format.reset(raw);
  return {};
}

}  // namespace

// Reads from a caller-owned buffer on behalf of a custom AVIOContext.
struct MemoryReader {
  std::span<const std::uint8_t> bytes;
  std::size_t position = 0;

  static int read(void* opaque, std::uint8_t* out, int size) {
    auto& self = *static_cast<MemoryReader*>(opaque);
    const std::size_t left = self.bytes.size() - self.position;
    if (left == 0) return AVERROR_EOF;
    const std::size_t count = std::min(left, static_cast<std::size_t>(size));
    std::memcpy(out, self.bytes.data() + self.position, count);
    self.position += count;
    return static_cast<int>(count);
  }

  static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
    auto& self = *static_cast<MemoryReader*>(opaque);
    const auto size = static_cast<std::int64_t>(self.bytes.size());
    std::int64_t target = 0;
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE:
        return size;
      case SEEK_SET:
        target = offset;
        break;
      case SEEK_CUR:
        target = static_cast<std::int64_t>(self.position) + offset;
        break;
      case SEEK_END:
        target = size + offset;
        break;
      default:
        return AVERROR(EINVAL);
    }
    if (target < 0 || target > size) return AVERROR(EINVAL);
    self.position = static_cast<std::size_t>(target);
    return target;
  }
};

// Reads a stream on behalf of a custom AVIOContext that cannot seek.
struct StreamReader {
  StreamRead read;
  std::int64_t bytes_read = 0;
  bool failed = false;

  static int read_packet(void* opaque, std::uint8_t* out, int size) {
    auto& self = *static_cast<StreamReader*>(opaque);
    const int count = self.read(out, size);
    if (count == 0) return AVERROR_EOF;
    if (count < 0) {
      self.failed = true;
      return AVERROR(EIO);
    }
    self.bytes_read += count;
    return count;
  }
};

namespace {

constexpr std::array<std::string_view, 14> kRawFormats = {
    "s16le", "s16be", "s24le", "s24be", "s32le", "s32be", "f32le",
    "f32be", "f64le", "f64be", "u8",    "s8",    "mulaw", "alaw"};

// At most this much of a stream is read to find its format and codec parameters, so that a
// live stream starts within about a second rather than after FFmpeg's default 5 s.
constexpr const char* kStreamProbeBytes = "65536";
constexpr const char* kStreamAnalyzeMicroseconds = "1000000";

}  // namespace

InputSource::InputSource() = default;
InputSource::InputSource(InputSource&&) noexcept = default;
InputSource& InputSource::operator=(InputSource&&) noexcept = default;
InputSource::~InputSource() {
  format.reset();  // the demuxer may still read from io while closing
  io.reset();
}

core::Result<InputSource> open_file_source(const std::filesystem::path& path) {
  silence_ffmpeg_logging();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return Error{ErrorCode::not_found, "no such file"};
  if (std::filesystem::is_directory(status)) {
    return Error{ErrorCode::io, "is a directory, not an audio file"};
  }
  const bool regular = std::filesystem::is_regular_file(status);
  const std::uint64_t size = regular ? std::filesystem::file_size(path, ec) : 0;
  if (regular && size == 0) return Error{ErrorCode::invalid_input, "the file is empty"};
  InputSource source;
  if (regular) source.riff_shortfall = riff_shortfall_of_file(path, size);
  // "file:" keeps a path with a colon from being read as another protocol's URL.
  const std::string url = "file:" + path.string();
  if (auto opened = open_demuxer(source, url.c_str(), "file"); !opened) return opened.error();
  return source;
}

core::Result<InputSource> open_memory_source(std::span<const std::uint8_t> bytes) {
  silence_ffmpeg_logging();
  if (bytes.empty()) return Error{ErrorCode::invalid_input, "the input is empty"};
  InputSource source;
  source.riff_shortfall =
      find_riff_shortfall(bytes.first(std::min(bytes.size(), kHeadBytes)), bytes.size());
  source.reader = std::make_unique<MemoryReader>(MemoryReader{bytes, 0});
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return Error{ErrorCode::internal, "out of memory"};
  source.io.reset(avio_alloc_context(buffer, kIoBufferSize, 0, source.reader.get(),
                                     &MemoryReader::read, nullptr, &MemoryReader::seek));
  if (!source.io) {
    av_free(buffer);
    return Error{ErrorCode::internal, "out of memory"};
  }
  source.format.reset(avformat_alloc_context());
  if (!source.format) return Error{ErrorCode::internal, "out of memory"};
  source.format->pb = source.io.get();
  // No protocol at all may be opened on behalf of an in-memory input.
  if (auto opened = open_demuxer(source, "", "none"); !opened) return opened.error();
  return source;
}

core::Result<InputSource> open_stream_source(StreamRead read, const StreamFormat& format) {
  silence_ffmpeg_logging();
  const AVInputFormat* raw = nullptr;
  if (!format.raw_format.empty()) {
    if (std::find(kRawFormats.begin(), kRawFormats.end(), format.raw_format) == kRawFormats.end()) {
      return Error{ErrorCode::unsupported_format, "unknown raw sample format " + format.raw_format};
    }
    if (format.sample_rate <= 0 || format.channels <= 0 || format.channels > 64) {
      return Error{ErrorCode::invalid_input,
                   "raw audio needs a sample rate and a channel count (1 to 64)"};
    }
    raw = av_find_input_format(format.raw_format.c_str());
    if (raw == nullptr) {
      return Error{ErrorCode::unsupported_format,
                   "FFmpeg lacks the raw format " + format.raw_format};
    }
  }
  InputSource source;
  source.live = true;
  source.stream_reader = std::make_unique<StreamReader>(StreamReader{std::move(read)});
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return Error{ErrorCode::internal, "out of memory"};
  source.io.reset(avio_alloc_context(buffer, kIoBufferSize, 0, source.stream_reader.get(),
                                     &StreamReader::read_packet, nullptr, nullptr));
  if (!source.io) {
    av_free(buffer);
    return Error{ErrorCode::internal, "out of memory"};
  }
  source.io->seekable = 0;
  source.format.reset(avformat_alloc_context());
  if (!source.format) return Error{ErrorCode::internal, "out of memory"};
  source.format->pb = source.io.get();

  AVDictionary* options = nullptr;
  std::string allowed = kAllowedFormats;
  if (raw != nullptr) {
    allowed += "," + format.raw_format;
    av_dict_set_int(&options, "sample_rate", format.sample_rate, 0);
    av_dict_set_int(&options, "channels", format.channels, 0);
  }
  av_dict_set(&options, "format_whitelist", allowed.c_str(), 0);
  av_dict_set(&options, "protocol_whitelist", "none", 0);
  av_dict_set(&options, "probesize", kStreamProbeBytes, 0);
  av_dict_set(&options, "analyzeduration", kStreamAnalyzeMicroseconds, 0);
  AVFormatContext* context = source.format.release();  // freed by avformat_open_input on failure
  const int code = avformat_open_input(&context, "", raw, &options);
  av_dict_free(&options);
  if (code < 0) {
    if (source.stream_reader->failed) return Error{ErrorCode::io, "reading the stream failed"};
    if (source.stream_reader->bytes_read == 0) {
      return Error{ErrorCode::invalid_input, "the stream is empty"};
    }
    return open_error(code);
  }
  source.format.reset(context);
  return source;
}

std::span<const std::string_view> raw_formats() {
  return kRawFormats;
}

std::string container_name(const AVFormatContext& format) {
  std::string name = format.iformat->name;
  name = name.substr(0, name.find(','));
  if (name == "mov") {
    // One demuxer reads QuickTime, MP4 and M4A; the major brand says which this is.
    const AVDictionaryEntry* brand = av_dict_get(format.metadata, "major_brand", nullptr, 0);
    const std::string value = brand != nullptr ? brand->value : "";
    if (value.starts_with("M4A") || value.starts_with("M4B")) return "m4a";
    if (value.starts_with("qt")) return "mov";
    return "mp4";
  }
  return name;
}

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

}  // namespace earshot::audio::detail
