// The registry's "ast" predictor over whole files with the small random checkpoint of
// tests/data/ast-small: windows and their hop, sigmoid label scores (AudioSet is multi-label:
// they are checked against the model's own logits, not a softmax), top labels, and the
// speech / music / noise / silence scores of labels that are AudioSet class names, from the
// shipped ontology map (models/audioset_categories.hpp).
#include "models/ast_predictor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/audioset_categories.hpp"
#include "models/registry.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"

namespace earshot::models {
namespace {

using analysis::ContentClass;

const std::filesystem::path kData =
    std::filesystem::path(EARSHOT_SOURCE_DIR) / "tests/data/ast-small";
constexpr int kRate = 16000;

// The small checkpoint's labels renamed (the weights do not depend on the names): two speech
// classes, music, silence and one name that is no AudioSet class.
const std::vector<std::string> kAudiosetLabels = {"Speech", "Music", "Male speech, man speaking",
                                                  "Silence", "Not an AudioSet class"};

std::unique_ptr<AstPredictor> load_predictor(const std::filesystem::path& folder,
                                             AstPredictor::Options options = {}) {
  ModelInfo info;
  info.name = "ast";
  auto loaded = AstPredictor::load(std::move(info), folder, options);
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
  return loaded.ok() ? std::move(*loaded) : nullptr;
}

// A copy of the small checkpoint whose id2label holds `labels`.
void relabelled_copy(const std::filesystem::path& dir, const std::vector<std::string>& labels) {
  std::filesystem::copy_file(kData / "model.safetensors", dir / "model.safetensors");
  std::ifstream in(kData / "config.json");
  auto config = nlohmann::json::parse(in);
  config["id2label"] = nlohmann::json::object();
  config["label2id"] = nlohmann::json::object();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    config["id2label"][std::to_string(i)] = labels[i];
    config["label2id"][labels[i]] = i;
  }
  test::write_text(dir / "config.json", config.dump());
}

// The sigmoid of the model's logits for `clip`, computed outside the predictor.
std::vector<double> expected_scores(const std::filesystem::path& folder,
                                    std::span<const float> clip) {
  auto model = AstModel::load(folder);
  const auto& config = model->config();
  auto frontend = dsp::AstFrontend::create({.sampling_rate = kRate,
                                            .num_mel_bins = static_cast<int>(config.num_mel_bins),
                                            .max_length = static_cast<int>(config.max_length)});
  auto input = frontend->compute(clip, kRate);
  std::vector<float> logits(config.labels.size());
  AstModel::Workspace work;
  model->forward(input->values, logits, work, 1);
  std::vector<double> scores;
  for (const float logit : logits) scores.push_back(1.0 / (1.0 + std::exp(-double{logit})));
  return scores;
}

TEST(AstPredictor, ClassifiesWholeFilesWindowByWindowThroughTheRegistry) {
  test::TempDir dir;
  const nlohmann::json registry = {
      {"ast_small",
       {{"predictor", "ast"}, {"model_path", kData.string()}, {"hop_seconds", 0.5}, {"top_k", 3}}}};
  test::write_text(dir.file("models.json"), registry.dump());
  auto loaded = Registry::load_file(dir.file("models.json"), {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& model = loaded->default_model();
  EXPECT_EQ(model.info().predictor, "ast");
  EXPECT_EQ(model.info().labels.size(), 5u);
  // ANALYSIS_SECONDS cuts what the feature models read, never the AST's whole-file windows.
  RegistrySettings first_second;
  first_second.analysis_seconds = 1.0;
  auto limited = Registry::load_file(dir.file("models.json"), first_second);
  ASSERT_TRUE(limited.ok());
  EXPECT_FALSE(limited->default_model().info().max_seconds.has_value());
  // MODEL_THREADS (earshot predict --threads) sets every ast model's threads; the scores do
  // not depend on them.
  RegistrySettings three_threads;
  three_threads.model_threads = 3;
  auto threaded = Registry::load_file(dir.file("models.json"), three_threads);
  ASSERT_TRUE(threaded.ok());
  const auto* threaded_ast = dynamic_cast<const AstPredictor*>(&threaded->default_model());
  ASSERT_NE(threaded_ast, nullptr);
  EXPECT_EQ(threaded_ast->options().threads, 3u);
  EXPECT_FALSE(threaded_ast->has_categories());  // label_N are no AudioSet classes

  const auto audio = test::noise(0.2, 3 * kRate);
  auto prediction = model.predict(audio);
  ASSERT_TRUE(prediction.ok()) << prediction.error().message;
  // 1.28 s windows (max_length 128 frames) every 0.5 s over 3 s: starting at 0, 0.5, 1, 1.5
  // and 2 s, the last reaching the end.
  ASSERT_EQ(prediction->windows.size(), 5u);
  EXPECT_DOUBLE_EQ(prediction->windows[1].start, 0.5);
  EXPECT_DOUBLE_EQ(prediction->windows[1].end, 1.78);
  EXPECT_DOUBLE_EQ(prediction->windows.back().end, 3.0);

  // Label scores are sigmoids of the logits, independent of each other (no softmax), and the
  // file's score is the mean over windows.
  std::vector<double> mean(5, 0.0);
  for (const auto& window : prediction->windows) {
    const auto first = static_cast<std::size_t>(window.start * kRate);
    const auto last = static_cast<std::size_t>(std::lround(window.end * kRate));
    const auto expected = expected_scores(kData, std::span(audio).subspan(first, last - first));
    ASSERT_EQ(window.top.size(), 3u);
    for (const auto& [label, score] : window.top) {
      const auto index = static_cast<std::size_t>(label.back() - '0');  // "label_N"
      EXPECT_NEAR(score, expected[index], 1e-5) << label;
    }
    EXPECT_GE(window.top[0].score, window.top[1].score);
    EXPECT_GE(window.top[1].score, window.top[2].score);
    for (std::size_t i = 0; i < 5; ++i) mean[i] += expected[i] / 5.0;
    EXPECT_TRUE(window.categories.empty());  // label_N are no AudioSet classes
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(prediction->probabilities[i].second, mean[i], 1e-5);
    sum += prediction->probabilities[i].second;
  }
  EXPECT_GT(std::abs(sum - 1.0), 1e-3) << "scores must not be a softmax";
  EXPECT_EQ(prediction->label, prediction->top[0].label);
  EXPECT_DOUBLE_EQ(prediction->probability, prediction->top[0].score);
  EXPECT_TRUE(prediction->categories.empty());
  EXPECT_FALSE(model.predict({}).ok());
  auto with_threads = threaded_ast->predict(audio);
  ASSERT_TRUE(with_threads.ok());
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(with_threads->probabilities[i].second, prediction->probabilities[i].second, 1e-5);
  }
}

TEST(AstPredictor, AudiosetLabelsGiveTheHighestScoreOfEachContentClass) {
  test::TempDir dir;
  relabelled_copy(dir.path(), kAudiosetLabels);
  AstPredictor::Options options;
  options.top_k = 2;
  const auto ast = load_predictor(dir.path(), options);
  ASSERT_NE(ast, nullptr);
  EXPECT_TRUE(ast->has_categories());
  const auto audio = test::noise(0.1, 2 * kRate);  // two 1.28 s windows (the second shorter)
  auto prediction = ast->predict(audio);
  ASSERT_TRUE(prediction.ok()) << prediction.error().message;
  ASSERT_EQ(prediction->windows.size(), 2u);
  std::array<double, 4> mean{};
  for (const auto& window : prediction->windows) {
    const auto first = static_cast<std::size_t>(window.start * kRate);
    const auto last = static_cast<std::size_t>(std::lround(window.end * kRate));
    const auto s = expected_scores(dir.path(), std::span(audio).subspan(first, last - first));
    // speech: the better of Speech and Male speech; music; no noise label; silence. The label
    // that is no AudioSet class counts nowhere.
    const std::array<double, 4> expected = {std::max(s[0], s[2]), s[1], 0.0, s[3]};
    ASSERT_EQ(window.categories.size(), 4u);
    for (std::size_t c = 0; c < 4; ++c) {
      EXPECT_EQ(window.categories[c].label, analysis::to_string(static_cast<ContentClass>(c)));
      EXPECT_NEAR(window.categories[c].score, expected[c], 1e-5) << c;
      mean[c] += expected[c] / 2.0;
    }
  }
  ASSERT_EQ(prediction->categories.size(), 4u);
  for (std::size_t c = 0; c < 4; ++c) {
    EXPECT_NEAR(prediction->categories[c].score, mean[c], 1e-5) << c;
  }
  EXPECT_EQ(prediction->top.size(), 2u);
}

TEST(AudiosetCategories, FollowTheOntologyAndItsDocumentedEdgeCases) {
  const auto& categories = AudiosetCategories::shipped();
  EXPECT_EQ(categories.size(), 632u);  // every class of the ontology
  const std::vector<std::pair<const char*, ContentClass>> cases = {
      {"Speech", ContentClass::speech},
      {"Male speech, man speaking", ContentClass::speech},
      {"Speech synthesizer", ContentClass::speech},
      {"Laughter", ContentClass::speech},  // a human voice that is not words
      {"Whispering", ContentClass::speech},
      {"Music", ContentClass::music},
      {"Guitar", ContentClass::music},
      {"Singing", ContentClass::music},  // filed under Human voice by the ontology
      {"Choir", ContentClass::music},    // Singing's subtree follows it
      {"Humming", ContentClass::music},
      {"Silence", ContentClass::silence},
      {"Crowd", ContentClass::noise},
      {"Applause", ContentClass::noise},
      // Holds "speech" in its name, and is background babble: names are never searched.
      {"Hubbub, speech noise, speech babble", ContentClass::noise},
      {"Dog", ContentClass::noise},
      {"Rain", ContentClass::noise},
      {"Engine", ContentClass::noise},
      {"Television", ContentClass::noise},
      {"White noise", ContentClass::noise},
  };
  for (const auto& [name, expected] : cases) {
    const auto found = categories.find(name);
    ASSERT_TRUE(found.has_value()) << name;
    EXPECT_EQ(*found, expected) << name;
  }
  EXPECT_FALSE(categories.find("speech").has_value());  // whole names, case and all
  EXPECT_FALSE(categories.find("Speech ").has_value());
  EXPECT_FALSE(categories.find("label_0").has_value());
}

TEST(AudiosetCategories, RefusesAMapThatIsNotOne) {
  EXPECT_FALSE(AudiosetCategories::parse("{").ok());
  EXPECT_FALSE(AudiosetCategories::parse("{}").ok());
  EXPECT_FALSE(AudiosetCategories::parse(R"({"categories": {"Dog": "animal"}})").ok());
  EXPECT_FALSE(AudiosetCategories::parse(R"({"categories": {"Dog": 3}})").ok());
  auto ok = AudiosetCategories::parse(R"({"categories": {"Dog": "noise"}})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->find("Dog"), ContentClass::noise);
}

}  // namespace
}  // namespace earshot::models
