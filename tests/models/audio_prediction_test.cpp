// Predictions streamed from a decode (models/audio_prediction.hpp) and the models' streams
// (Model::stream): a model reads exactly the first max_seconds of the decoded file, a model
// that holds its input refuses more than kMaxHeldSeconds, and the content and AST models give
// the same prediction however the audio is cut into pieces. The memory a long file costs is
// measured apart, in prediction_memory_test.cpp.
#include "models/audio_prediction.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audio/decode_all.hpp"
#include "models/ast_predictor.hpp"
#include "models/content_predictor.hpp"
#include "models/prediction_json.hpp"
#include "support/signals.hpp"
#include "support/wav_writer.hpp"

namespace earshot::models {
namespace {

constexpr int kRate = 16000;

// Remembers what predict() was given; its label is the number of samples.
class RecordingModel final : public Model {
 public:
  explicit RecordingModel(std::optional<double> max_seconds, int sample_rate = kRate)
      : Model(ModelInfo{.name = "recorder",
                        .predictor = "test",
                        .feature_extractor = "none",
                        .labels = {"samples"},
                        .description = "",
                        .sample_rate = sample_rate,
                        .max_seconds = max_seconds}) {}

  core::Result<Prediction> predict(std::span<const float> mono) const override {
    seen.assign(mono.begin(), mono.end());
    return make_prediction({std::to_string(mono.size())}, {1.0});
  }

  mutable std::vector<float> seen;
};

ModelInfo named(std::string name) {
  ModelInfo info;
  info.name = std::move(name);
  return info;
}

std::string json_of(const Prediction& prediction) {
  nlohmann::ordered_json out;
  write_prediction(prediction, out);
  return out.dump();
}

// The prediction of `model` for `audio` fed to a stream `piece` samples at a time.
core::Result<Prediction> streamed(const Model& model, std::span<const float> audio,
                                  std::size_t piece) {
  auto stream = model.stream();
  for (std::size_t at = 0; at < audio.size(); at += piece) {
    const auto part = audio.subspan(at, std::min(piece, audio.size() - at));
    if (auto added = stream->add(part); !added) return added.error();
  }
  return stream->finish();
}

TEST(AudioPrediction, ReadsTheFirstMaxSecondsOfTheWholeDecodedFile) {
  // 44.1 kHz stereo in, 16 kHz mono out: the cut must fall where a whole-file decode puts it,
  // resampler delay included.
  const auto left = test::sine(440.0, 0.5, 44100, 3 * 44100);
  const auto right = test::noise(0.3, 3 * 44100);
  const auto wav =
      test::encode_wav(test::interleave({left, right}), {.sample_rate = 44100, .channels = 2});
  auto whole = audio::decode_memory(wav, {.target_sample_rate = kRate, .limits = {}});
  ASSERT_TRUE(whole.ok()) << whole.error().message;

  const RecordingModel first_second(1.0);
  auto prediction = predict_bytes(first_second, wav, {});
  ASSERT_TRUE(prediction.ok()) << prediction.error().message;
  EXPECT_EQ(prediction->label, "16000");
  ASSERT_EQ(first_second.seen.size(), 16000u);
  EXPECT_TRUE(
      std::equal(first_second.seen.begin(), first_second.seen.end(), whole->samples.begin()));

  // Without max_seconds (or with more than the file holds) the whole file is read.
  for (const std::optional<double> seconds : {std::optional<double>(), std::optional(10.0)}) {
    const RecordingModel all(seconds);
    ASSERT_TRUE(predict_bytes(all, wav, {}).ok());
    EXPECT_EQ(all.seen, whole->samples);
  }
}

TEST(AudioPrediction, AModelThatHoldsItsInputRefusesMoreThanTheLimit) {
  constexpr int kLowRate = 8000;  // the smallest file that is still over the limit
  const auto just_over =
      test::constant(0.25f, static_cast<std::size_t>(kMaxHeldSeconds + 1) * kLowRate);
  const auto wav = test::encode_wav(just_over, {.sample_rate = kLowRate, .channels = 1});

  const RecordingModel whole_file(std::nullopt, kLowRate);
  auto refused = predict_bytes(whole_file, wav, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::too_large);
  EXPECT_NE(refused.error().message.find("model 'recorder' reads its input whole, at most 600 s"),
            std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("analysis_seconds"), std::string::npos);
  EXPECT_TRUE(whole_file.seen.empty()) << "predict() must not run on a refused input";

  // The limit is on what is read: max_seconds under it makes the same file fine.
  const RecordingModel its_start(60.0, kLowRate);
  auto start = predict_bytes(its_start, wav, {});
  ASSERT_TRUE(start.ok()) << start.error().message;
  EXPECT_EQ(start->label, std::to_string(60 * kLowRate));

  // Exactly the limit is accepted.
  auto stream = whole_file.stream();
  const auto at_limit = test::constant(0.25f, static_cast<std::size_t>(kMaxHeldSeconds) * kLowRate);
  EXPECT_TRUE(stream->add(at_limit).ok());
  EXPECT_FALSE(stream->add(std::vector<float>{0.0f}).ok());
  EXPECT_FALSE(RecordingModel(std::nullopt).stream()->finish().ok()) << "nothing added";
}

TEST(AudioPrediction, ContentModelGivesTheSamePredictionForAnyPieces) {
  const ContentPredictor content(named("content"), -50.0);
  // Speech-band noise, a silent stretch and a tone: several classes in the timeline.
  auto audio = test::concat(test::noise(0.3, 2 * kRate + 123), test::silence(kRate / 2));
  audio = test::concat(audio, test::sine(220.0, 0.4, kRate, 3 * kRate));
  auto whole = content.predict(audio);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  for (const std::size_t piece :
       {std::size_t{1}, std::size_t{777}, std::size_t{16000}, std::size_t{65535}}) {
    auto pieces = streamed(content, audio, piece);
    ASSERT_TRUE(pieces.ok()) << pieces.error().message;
    EXPECT_EQ(json_of(*pieces), json_of(*whole)) << piece;
  }
  EXPECT_FALSE(content.stream()->finish().ok());
}

const std::filesystem::path kAstSmall =
    std::filesystem::path(EARSHOT_SOURCE_DIR) / "tests/data/ast-small";

std::unique_ptr<AstPredictor> ast_with_hop(std::optional<double> hop_seconds) {
  AstPredictor::Options options;
  options.hop_seconds = hop_seconds;
  auto loaded = AstPredictor::load(named("ast"), kAstSmall, options);
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
  return loaded.ok() ? std::move(*loaded) : nullptr;
}

TEST(AudioPrediction, AstModelGivesTheSamePredictionForAnyPieces) {
  // Windows of 1.28 s (20480 samples); hops shorter, equal and longer than a window; lengths
  // that end inside a window, exactly on one, and on a sliver too short to score.
  for (const std::optional<double> hop :
       {std::optional<double>(), std::optional(0.5), std::optional(2.0)}) {
    const auto ast = ast_with_hop(hop);
    ASSERT_NE(ast, nullptr);
    for (const std::size_t length : {std::size_t{3 * kRate}, std::size_t{2 * 20480},
                                     std::size_t{20480 + 100}, std::size_t{5000}}) {
      const auto audio = test::noise(0.2, length, static_cast<std::uint32_t>(length));
      auto whole = ast->predict(audio);
      ASSERT_TRUE(whole.ok()) << whole.error().message;
      for (const std::size_t piece : {std::size_t{1000}, std::size_t{20480}, std::size_t{65535}}) {
        auto pieces = streamed(*ast, audio, piece);
        ASSERT_TRUE(pieces.ok()) << pieces.error().message;
        EXPECT_EQ(json_of(*pieces), json_of(*whole))
            << "hop " << hop.value_or(0.0) << ", length " << length << ", piece " << piece;
      }
    }
  }
  // A hop longer than a window skips what lies between: 3 s give windows at 0 and 2 s.
  const auto sparse = ast_with_hop(2.0);
  auto prediction = sparse->predict(test::noise(0.2, 3 * kRate));
  ASSERT_TRUE(prediction.ok());
  ASSERT_EQ(prediction->windows.size(), 2u);
  EXPECT_DOUBLE_EQ(prediction->windows[0].end, 1.28);
  EXPECT_DOUBLE_EQ(prediction->windows[1].start, 2.0);
  EXPECT_DOUBLE_EQ(prediction->windows[1].end, 3.0);
  // Exactly two windows long, without a hop: two windows, no empty third.
  auto exact = ast_with_hop(std::nullopt)->predict(test::noise(0.2, 2 * 20480));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->windows.size(), 2u);
}

}  // namespace
}  // namespace earshot::models
