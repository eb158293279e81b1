#include "audio/decoder.hpp"

#include <algorithm>
#include <cstdio>

#include "audio/ffmpeg_handles.hpp"
#include "audio/input_source.hpp"

namespace earshot::audio {
namespace {

using core::Error;
using core::ErrorCode;

// A header that promises more than this beyond what decoded earns a warning: a truncated
// download or a damaged file, which the user should hear about even though analysis went on.
constexpr double kTruncationToleranceSeconds = 0.5;
constexpr double kTruncationToleranceRatio = 0.05;

double declared_duration(const AVFormatContext& format, const AVStream& stream) {
  if (stream.duration > 0 && stream.time_base.den > 0) {
    return static_cast<double>(stream.duration) * av_q2d(stream.time_base);
  }
  if (format.duration > 0) return static_cast<double>(format.duration) / AV_TIME_BASE;
  return 0.0;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", seconds);
  return text;
}

Error too_long(const DecodeLimits& limits) {
  return {ErrorCode::too_large,
          "the audio is longer than the limit of " + seconds_text(limits.max_duration_seconds)};
}

}  // namespace

struct Decoder::State {
  detail::InputSource source;
  detail::CodecContextPtr codec;
  detail::PacketPtr packet{av_packet_alloc()};
  detail::FramePtr frame{av_frame_alloc()};
  detail::SwrPtr converter;  // sample format -> interleaved float, same rate and layout
  int converter_format = -1;
  int stream_index = -1;
  DecodeLimits limits;
  AudioInfo info;
  double declared_seconds = 0.0;
  std::vector<float> pcm;  // the block handed out by next_block, reused
  std::int64_t frames = 0;
  int errors = 0;
  bool flushing = false;  // end of input reached, draining the codec
  bool finished = false;  // codec drained
  std::vector<std::string> warnings;

  core::Status open_codec();
  core::Status feed_packet();
  core::Result<AudioBlock> convert_frame();
  core::Status check_format_of(AVFrame& frame);
  core::Result<AudioBlock> finish();
};

core::Status Decoder::State::open_codec() {
  AVFormatContext& format = *source.format;
  if (avformat_find_stream_info(&format, nullptr) < 0) {
    return Error{ErrorCode::unsupported_format, "not a recognised audio format"};
  }
  stream_index = av_find_best_stream(&format, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (stream_index < 0) return Error{ErrorCode::unsupported_format, "the file has no audio stream"};
  const AVStream& stream = *format.streams[stream_index];
  const AVCodecParameters& params = *stream.codecpar;
  const AVCodec* decoder = avcodec_find_decoder(params.codec_id);
  if (decoder == nullptr) {
    return Error{ErrorCode::unsupported_format,
                 std::string("no decoder for codec ") + avcodec_get_name(params.codec_id)};
  }
  codec.reset(avcodec_alloc_context3(decoder));
  if (!codec || !packet || !frame) return Error{ErrorCode::internal, "out of memory"};
  if (avcodec_parameters_to_context(codec.get(), &params) < 0) {
    return Error{ErrorCode::decode_failed, "invalid codec parameters"};
  }
  codec->thread_count = 1;  // parallelism comes from decoding many inputs at once
  if (const int code = avcodec_open2(codec.get(), decoder, nullptr); code < 0) {
    return Error{ErrorCode::decode_failed,
                 "cannot open the decoder: " + detail::av_error_text(code)};
  }

  info.sample_rate = codec->sample_rate;
  info.channels = codec->ch_layout.nb_channels;
  info.codec = avcodec_get_name(params.codec_id);
  info.container = detail::container_name(format);
  info.bit_rate = params.bit_rate > 0 ? params.bit_rate : format.bit_rate;
  declared_seconds = source.live ? 0.0 : declared_duration(format, stream);
  if (source.riff_shortfall) {
    warnings.push_back("the file ends early: its header declares " +
                       std::to_string(source.riff_shortfall->declared_bytes) +
                       " bytes of audio but only " +
                       std::to_string(source.riff_shortfall->present_bytes) + " are present");
  }
  info.duration_seconds = declared_seconds;
  if (declared_seconds > limits.max_duration_seconds) {
    return too_long(limits);
  }
  return {};
}

core::Status Decoder::State::feed_packet() {
  if (flushing) return {};
  while (true) {
    const int read = av_read_frame(source.format.get(), packet.get());
    if (read < 0) {
      if (read != AVERROR_EOF) {
        warnings.push_back("reading stopped early: " + detail::av_error_text(read));
      }
      flushing = true;
      avcodec_send_packet(codec.get(), nullptr);
      return {};
    }
    const bool ours = packet->stream_index == stream_index;
    const int sent = ours ? avcodec_send_packet(codec.get(), packet.get()) : 0;
    av_packet_unref(packet.get());
    if (!ours) continue;
    if (sent < 0 && sent != AVERROR(EAGAIN)) ++errors;  // a corrupt packet: skip it
    return {};
  }
}

core::Status Decoder::State::check_format_of(AVFrame& decoded) {
  const int channels = decoded.ch_layout.nb_channels;
  if (channels <= 0 || decoded.sample_rate <= 0) {
    return Error{ErrorCode::decode_failed, "the decoder produced audio without a format"};
  }
  if (frames == 0) {
    // Some codecs (e.g. HE-AAC) only know their true output format at the first frame.
    info.channels = channels;
    info.sample_rate = decoded.sample_rate;
  } else if (channels != info.channels || decoded.sample_rate != info.sample_rate) {
    return Error{ErrorCode::decode_failed,
                 "the stream changes its sample rate or channel count part-way through"};
  }
  if (decoded.format == converter_format) return {};
  SwrContext* raw = nullptr;
  const int code = swr_alloc_set_opts2(
      &raw, &decoded.ch_layout, AV_SAMPLE_FMT_FLT, decoded.sample_rate, &decoded.ch_layout,
      static_cast<AVSampleFormat>(decoded.format), decoded.sample_rate, 0, nullptr);
  converter.reset(raw);
  if (code < 0 || swr_init(converter.get()) < 0) {
    return Error{ErrorCode::decode_failed, "cannot convert the decoder's sample format"};
  }
  converter_format = decoded.format;
  return {};
}

core::Result<AudioBlock> Decoder::State::convert_frame() {
  if (auto checked = check_format_of(*frame); !checked) return checked.error();
  const int count = frame->nb_samples;
  pcm.resize(static_cast<std::size_t>(count) * info.channels);
  auto* out = reinterpret_cast<std::uint8_t*>(pcm.data());
  const int converted = swr_convert(converter.get(), &out, count,
                                    const_cast<const std::uint8_t**>(frame->extended_data), count);
  av_frame_unref(frame.get());
  if (converted < 0) return Error{ErrorCode::decode_failed, "sample conversion failed"};
  pcm.resize(static_cast<std::size_t>(converted) * info.channels);

  frames += converted;
  const double seconds = static_cast<double>(frames) / info.sample_rate;
  if (seconds > limits.max_duration_seconds) {
    return too_long(limits);
  }
  if (frames * info.channels > limits.max_decoded_samples) {
    return Error{ErrorCode::too_large, "the audio has more samples than the limit of " +
                                           std::to_string(limits.max_decoded_samples)};
  }
  return AudioBlock{pcm, info.channels};
}

core::Result<AudioBlock> Decoder::State::finish() {
  finished = true;
  if (frames == 0) {
    if (errors > 0) return Error{ErrorCode::decode_failed, "no part of the audio could be decoded"};
    return Error{ErrorCode::invalid_input, "the file contains no audio samples"};
  }
  info.duration_seconds = static_cast<double>(frames) / info.sample_rate;
  const double missing = declared_seconds - info.duration_seconds;
  if (missing >
      std::max(kTruncationToleranceSeconds, kTruncationToleranceRatio * declared_seconds)) {
    warnings.push_back("the file ends early: its header declares " +
                       seconds_text(declared_seconds) + " but only " +
                       seconds_text(info.duration_seconds) + " could be decoded");
  }
  if (errors > 0) {
    warnings.push_back(std::to_string(errors) + " corrupt packet(s) were skipped");
  }
  return AudioBlock{};
}

core::Result<Decoder> Decoder::open(core::Result<detail::InputSource> source, DecodeLimits limits) {
  if (!source) return source.error();
  auto state = std::make_unique<State>();
  state->source = std::move(*source);
  state->limits = limits;
  if (auto opened = state->open_codec(); !opened) return opened.error();
  return Decoder(std::move(state));
}

core::Result<Decoder> Decoder::open_file(const std::filesystem::path& path, DecodeLimits limits) {
  return open(detail::open_file_source(path), limits);
}

core::Result<Decoder> Decoder::open_memory(std::span<const std::uint8_t> bytes,
                                           DecodeLimits limits) {
  return open(detail::open_memory_source(bytes), limits);
}

core::Result<Decoder> Decoder::open_stream(StreamRead read, StreamFormat format,
                                           DecodeLimits limits) {
  return open(detail::open_stream_source(std::move(read), format), limits);
}

std::span<const std::string_view> raw_formats() {
  return detail::raw_formats();
}

core::Result<AudioBlock> Decoder::next_block() {
  State& s = *state_;
  if (s.finished) return AudioBlock{};
  while (true) {
    const int received = avcodec_receive_frame(s.codec.get(), s.frame.get());
    if (received == 0) {
      auto block = s.convert_frame();
      if (!block || !block->empty()) return block;
      continue;  // an empty frame is not the end of the stream
    }
    if (received == AVERROR_EOF) return s.finish();
    // Any other code is a frame the codec could not reconstruct; the stream goes on.
    if (received != AVERROR(EAGAIN)) ++s.errors;
    if (s.flushing) return s.finish();
    if (auto fed = s.feed_packet(); !fed) return fed.error();
  }
}

Decoder::Decoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;
Decoder::~Decoder() = default;

const AudioInfo& Decoder::info() const {
  return state_->info;
}
std::int64_t Decoder::frames_decoded() const {
  return state_->frames;
}
int Decoder::decode_errors() const {
  return state_->errors;
}
const std::vector<std::string>& Decoder::warnings() const {
  return state_->warnings;
}

}  // namespace earshot::audio
