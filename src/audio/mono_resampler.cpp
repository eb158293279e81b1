#include "audio/mono_resampler.hpp"

#include "audio/ffmpeg_handles.hpp"

namespace earshot::audio {

using core::Error;
using core::ErrorCode;

struct MonoResampler::State {
  int input_rate = 0;
  int channels = 0;
  int target_rate = 0;
  detail::SwrPtr swr;       // null when no rate conversion is needed
  std::vector<float> mono;  // downmixed block, reused

  core::Status convert(const float* input, int count, std::vector<float>& out) {
    const int capacity = swr_get_out_samples(swr.get(), count);
    if (capacity < 0) return Error{ErrorCode::internal, "resampler failed"};
    const std::size_t start = out.size();
    out.resize(start + static_cast<std::size_t>(capacity));
    auto* destination = reinterpret_cast<std::uint8_t*>(out.data() + start);
    const auto* source = reinterpret_cast<const std::uint8_t*>(input);
    const int produced =
        swr_convert(swr.get(), &destination, capacity, input != nullptr ? &source : nullptr, count);
    if (produced < 0) {
      out.resize(start);
      return Error{ErrorCode::internal, "resampler failed"};
    }
    out.resize(start + static_cast<std::size_t>(produced));
    return {};
  }
};

core::Result<MonoResampler> MonoResampler::create(int input_rate, int channels, int target_rate) {
  if (input_rate <= 0 || channels <= 0 || target_rate <= 0) {
    return Error{ErrorCode::invalid_input, "sample rates and channel count must be positive"};
  }
  auto state = std::make_unique<State>();
  state->input_rate = input_rate;
  state->channels = channels;
  state->target_rate = target_rate;
  if (input_rate != target_rate) {
    AVChannelLayout mono_layout = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* raw = nullptr;
    const int code = swr_alloc_set_opts2(&raw, &mono_layout, AV_SAMPLE_FMT_FLT, target_rate,
                                         &mono_layout, AV_SAMPLE_FMT_FLT, input_rate, 0, nullptr);
    state->swr.reset(raw);
    if (code < 0 || swr_init(state->swr.get()) < 0) {
      return Error{ErrorCode::internal, "cannot create the resampler"};
    }
  }
  return MonoResampler(std::move(state));
}

core::Status MonoResampler::push(const AudioBlock& block, std::vector<float>& out) {
  State& s = *state_;
  if (block.channels != s.channels) {
    return Error{ErrorCode::invalid_input, "block channel count differs from the resampler's"};
  }
  const std::size_t frames = block.frames();
  const float* mono = block.samples.data();
  if (s.channels > 1) {
    s.mono.resize(frames);
    const float scale = 1.0f / static_cast<float>(s.channels);
    const float* in = block.samples.data();
    for (std::size_t i = 0; i < frames; ++i, in += s.channels) {
      float sum = 0.0f;
      for (int c = 0; c < s.channels; ++c) sum += in[c];
      s.mono[i] = sum * scale;
    }
    mono = s.mono.data();
  }
  if (!s.swr) {
    out.insert(out.end(), mono, mono + frames);
    return {};
  }
  return s.convert(mono, static_cast<int>(frames), out);
}

core::Status MonoResampler::flush(std::vector<float>& out) {
  if (!state_->swr) return {};
  return state_->convert(nullptr, 0, out);
}

int MonoResampler::target_rate() const {
  return state_->target_rate;
}

MonoResampler::MonoResampler(std::unique_ptr<State> state) : state_(std::move(state)) {}
MonoResampler::MonoResampler(MonoResampler&&) noexcept = default;
MonoResampler& MonoResampler::operator=(MonoResampler&&) noexcept = default;
MonoResampler::~MonoResampler() = default;

}  // namespace earshot::audio
