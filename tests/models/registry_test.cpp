// The model registry end to end over files a test writes: parsing, every validation error
// (each names the model and the field), the feature pipeline's scaler, dropped features and
// labels checked against values computed by hand, XGBoost models through the registry, and
// ANALYSIS_SECONDS.
#include "models/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "dsp/descriptors/feature_vector.hpp"
#include "models/audio_prediction.hpp"
#include "models/feature_model.hpp"
#include "models/xgboost_booster.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::models {
namespace {

using json = nlohmann::ordered_json;

constexpr int kRate = 16000;

// A registry folder with a binary logistic model over two named features: p(loud) rises with
// the level. Scaled inputs: (level_dbfs + 30) / 10 and (zcr_mean - 0.1) / 0.05.
class RegistryTest : public ::testing::Test {
 public:  // the broken-registry cases reach in
  void SetUp() override {
    write("scaler.json", {{"feature_names", {"level_dbfs", "zcr_mean"}},
                          {"mean", {-30.0, 0.1}},
                          {"scale", {10.0, 0.05}}});
    write("labels.json", {{"classes", {"quiet", "loud"}}});
    write("linear.json", {{"coefficients", {{2.0, 0.5}}}, {"intercepts", {0.25}}});
    write("dropped.json", {"pitch_median", "pitch_p10"});
  }

  void write(const std::string& name, const json& value) {
    test::write_text(dir_.file(name), value.dump());
  }

  json level_model() const {
    return {{"predictor", "linear_proba"},
            {"model_path", "linear.json"},
            {"scaler_path", "scaler.json"},
            {"label_encoder_path", "labels.json"},
            {"dropped_features_path", "dropped.json"},
            {"description", "loud or quiet"}};
  }

  core::Result<Registry> load(const json& document, RegistrySettings settings = {}) {
    test::write_text(dir_.file("models.json"), document.dump());
    return Registry::load_file(dir_.file("models.json"), settings);
  }

  // The error of loading `document`, which must fail.
  std::string error_of(const json& document, RegistrySettings settings = {}) {
    auto registry = load(document, settings);
    EXPECT_FALSE(registry.ok());
    return registry.ok() ? "" : registry.error().message;
  }

  test::TempDir dir_;
};

RegistrySettings default_model(std::string name) {
  RegistrySettings settings;
  settings.default_model = std::move(name);
  return settings;
}

RegistrySettings analysis_seconds(double seconds) {
  RegistrySettings settings;
  settings.analysis_seconds = seconds;
  return settings;
}

std::vector<std::uint8_t> wav(const std::vector<float>& samples) {
  return test::encode_wav(samples, {.sample_rate = kRate, .channels = 1});
}

TEST_F(RegistryTest, ListsModelsInDeclarationOrderWithTheFirstAsDefault) {
  auto registry = load({{"zeta", level_model()}, {"alpha", {{"predictor", "content"}}}});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  ASSERT_EQ(registry->models().size(), 2u);
  EXPECT_EQ(registry->models()[0]->info().name, "zeta");
  EXPECT_EQ(registry->default_model().info().name, "zeta");
  EXPECT_EQ(registry->names(), "zeta, alpha");
  const auto& level = registry->models()[0]->info();
  EXPECT_EQ(level.predictor, "linear_proba");
  EXPECT_EQ(level.feature_extractor, "earshot-features-v1");
  EXPECT_EQ(level.labels, (std::vector<std::string>{"quiet", "loud"}));
  EXPECT_EQ(level.description, "loud or quiet");
  const auto& content = registry->find("alpha")->info();
  EXPECT_EQ(content.labels, (std::vector<std::string>{"speech", "music", "noise", "silence"}));
  EXPECT_EQ(registry->find("nope"), nullptr);
}

TEST_F(RegistryTest, DefaultModelNameChoosesTheDefault) {
  auto registry =
      load({{"a", level_model()}, {"b", {{"predictor", "content"}}}}, default_model("b"));
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  EXPECT_EQ(registry->default_model().info().name, "b");
  EXPECT_NE(error_of({{"a", level_model()}}, default_model("c"))
                .find("DEFAULT_MODEL_NAME: 'c' is not in"),
            std::string::npos);
}

TEST_F(RegistryTest, ScalerAndLinearWeightsGiveTheProbabilityComputedByHand) {
  auto registry = load({{"level", level_model()}});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const Model& model = *registry->find("level");
  const auto tone = test::sine(440.0, 0.1, kRate, kRate);
  auto prediction = predict_bytes(model, wav(tone), {});
  ASSERT_TRUE(prediction.ok()) << prediction.error().message;

  auto extractor = dsp::FeatureExtractor::create(kRate);
  const auto decoded = test::sine(440.0, 0.1, kRate, kRate);
  auto features = extractor->compute(decoded, kRate);
  ASSERT_TRUE(features.ok());
  const auto names = dsp::feature_names();
  auto value = [&](std::string_view name) {
    return (*features)[static_cast<std::size_t>(std::find(names.begin(), names.end(), name) -
                                                names.begin())];
  };
  const double z =
      0.25 + 2.0 * (value("level_dbfs") + 30.0) / 10.0 + 0.5 * (value("zcr_mean") - 0.1) / 0.05;
  const double loud = 1.0 / (1.0 + std::exp(-z));
  // 16-bit quantisation of the WAV moves the features a little.
  EXPECT_NEAR(prediction->probabilities[1].second, loud, 2e-3);
  EXPECT_NEAR(prediction->probabilities[0].second, 1.0 - loud, 2e-3);
  EXPECT_EQ(prediction->label, loud > 0.5 ? "loud" : "quiet");
  EXPECT_EQ(prediction->probabilities[0].first, "quiet");
}

TEST_F(RegistryTest, MultinomialLinearModelsAreASoftmax) {
  write("scaler.json", {{"feature_names", {"level_dbfs"}}, {"mean", {-30.0}}, {"scale", {10.0}}});
  write("labels.json", {{"classes", {"low", "mid", "high"}}});
  write("linear.json", {{"coefficients", {{-1.0}, {0.0}, {1.0}}}, {"intercepts", {0.0, 0.5, 0.0}}});
  auto registry = load({{"three", level_model()}});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const auto* model = dynamic_cast<const FeatureModel*>(registry->find("three"));
  ASSERT_NE(model, nullptr);
  const auto tone = test::sine(440.0, 0.2, kRate, kRate);
  auto extractor = dsp::FeatureExtractor::create(kRate);
  auto features = extractor->compute(tone, kRate);
  ASSERT_TRUE(features.ok());
  const double x = model->model_input(*features)[0];
  const double e[3] = {std::exp(-x), std::exp(0.5), std::exp(x)};
  auto prediction = model->predict(tone);
  ASSERT_TRUE(prediction.ok());
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(prediction->probabilities[c].second, e[c] / (e[0] + e[1] + e[2]), 1e-9);
  }
}

TEST_F(RegistryTest, LoudAndQuietAreToldApart) {
  auto registry = load({{"level", level_model()}});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const Model& model = registry->default_model();
  auto loud = predict_bytes(model, wav(test::noise(0.5, kRate)), {});
  auto quiet = predict_bytes(model, wav(test::sine(300.0, 0.001, kRate, kRate)), {});
  ASSERT_TRUE(loud.ok() && quiet.ok());
  EXPECT_EQ(loud->label, "loud");
  EXPECT_EQ(quiet->label, "quiet");
  EXPECT_GT(loud->probability, 0.9);
}

TEST_F(RegistryTest, AnalysisSecondsReadsOnlyTheStart) {
  // One louder second, then four near-silent ones: louder when only the start is read.
  auto audio = test::concat(test::sine(440.0, 0.05, kRate, kRate),
                            test::sine(300.0, 0.0005, kRate, 4 * kRate));
  auto whole = load({{"level", level_model()}});
  auto start = load({{"level", level_model()}}, analysis_seconds(1.0));
  ASSERT_TRUE(whole.ok() && start.ok());
  auto from_whole = predict_bytes(whole->default_model(), wav(audio), {});
  auto from_start = predict_bytes(start->default_model(), wav(audio), {});
  ASSERT_TRUE(from_whole.ok() && from_start.ok());
  EXPECT_GT(from_start->probabilities[1].second, from_whole->probabilities[1].second + 0.05);
  auto entry = level_model();
  entry["analysis_seconds"] = 1;
  auto per_entry = load({{"level", entry}});
  ASSERT_TRUE(per_entry.ok());
  auto from_entry = predict_bytes(per_entry->default_model(), wav(audio), {});
  ASSERT_TRUE(from_entry.ok());
  EXPECT_DOUBLE_EQ(from_entry->probabilities[1].second, from_start->probabilities[1].second);
}

TEST_F(RegistryTest, XgboostModelsPredictWhatTheBoosterDoesOnTheScaledRow) {
  // A booster over the scaler's two features, trained on made-up rows.
  std::vector<float> rows;
  std::vector<int> labels;
  for (int i = 0; i < 200; ++i) {
    const float level = -60.0f + 0.3f * static_cast<float>(i);
    rows.insert(rows.end(), {(level + 30.0f) / 10.0f, static_cast<float>(i % 7) / 7.0f});
    labels.push_back(level > -30.0f ? 1 : 0);
  }
  auto booster = XgboostBooster::train(rows, 200, 2, labels, 2, {.rounds = 20, .threads = 1});
  ASSERT_TRUE(booster.ok()) << booster.error().message;
  ASSERT_TRUE(booster->save_file(dir_.file("booster.ubj")).ok());
  auto entry = level_model();
  entry["predictor"] = "xgboost_proba";
  entry["model_path"] = "booster.ubj";
  auto registry = load({{"trees", entry}});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const auto* model = dynamic_cast<const FeatureModel*>(registry->find("trees"));
  ASSERT_NE(model, nullptr);

  const auto tone = test::sine(440.0, 0.3, kRate, kRate);
  auto extractor = dsp::FeatureExtractor::create(kRate);
  auto features = extractor->compute(tone, kRate);
  ASSERT_TRUE(features.ok());
  const auto row = model->model_input(*features);
  auto expected = booster->predict_proba(row, 1);
  auto prediction = model->predict(tone);
  ASSERT_TRUE(expected.ok() && prediction.ok());
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_FLOAT_EQ(static_cast<float>(prediction->probabilities[c].second), (*expected)[c]);
  }
}

struct BrokenCase {
  const char* what;
  std::function<void(json&, RegistryTest&)> breaks;
  const char* message;  // a part of the expected message
};

TEST_F(RegistryTest, EveryProblemNamesTheModelAndTheField) {
  const std::vector<BrokenCase> cases = {
      {"unknown predictor", [](json& e, RegistryTest&) { e["predictor"] = "svm"; },
       "model 'm': predictor: must be xgboost_proba, linear_proba, content or ast, not 'svm'"},
      {"unknown field", [](json& e, RegistryTest&) { e["modle_path"] = "x"; },
       "model 'm': modle_path: unknown field"},
      {"no model path", [](json& e, RegistryTest&) { e.erase("model_path"); },
       "model 'm': model_path: is required for linear_proba"},
      {"missing model file", [](json& e, RegistryTest&) { e["model_path"] = "gone.json"; },
       "model 'm': model_path: "},
      {"missing scaler", [](json& e, RegistryTest&) { e["scaler_path"] = "gone.json"; },
       "model 'm': scaler_path: "},
      {"no label encoder", [](json& e, RegistryTest&) { e.erase("label_encoder_path"); },
       "model 'm': label_encoder_path: is required"},
      {"scaler lengths",
       [](json&, RegistryTest& t) {
         t.write("scaler.json", {{"feature_names", {"level_dbfs", "zcr_mean"}},
                                 {"mean", {1.0}},
                                 {"scale", {1.0, 1.0}}});
       },
       "scaler_path: "},
      {"scaler names an unknown feature",
       [](json&, RegistryTest& t) {
         t.write(
             "scaler.json",
             {{"feature_names", {"level_dbfs", "loudness"}}, {"mean", {0, 0}}, {"scale", {1, 1}}});
       },
       "model 'm': scaler_path: 'loudness' is not a feature of earshot-features-v1"},
      {"scaler names a dropped feature",
       [](json&, RegistryTest& t) { t.write("dropped.json", {"zcr_mean"}); },
       "model 'm': scaler_path: 'zcr_mean' is also in dropped_features_path"},
      {"dropped unknown feature",
       [](json&, RegistryTest& t) { t.write("dropped.json", {"tempo"}); },
       "model 'm': dropped_features_path: 'tempo' is not a feature"},
      {"missing dropped features",
       [](json& e, RegistryTest&) { e["dropped_features_path"] = "gone.json"; },
       "model 'm': dropped_features_path: "},
      {"corrupt dropped features",
       [](json&, RegistryTest& t) { test::write_text(t.dir_.file("dropped.json"), "[\"a\","); },
       "model 'm': dropped_features_path: "},
      {"dropped features twice",
       [](json&, RegistryTest& t) {
         t.write("dropped.json", {"pitch_median", "pitch_median"});
       },
       "lists 'pitch_median' twice"},
      {"missing label encoder",
       [](json& e, RegistryTest&) { e["label_encoder_path"] = "gone.json"; },
       "model 'm': label_encoder_path: "},
      {"corrupt label encoder",
       [](json&, RegistryTest& t) { test::write_text(t.dir_.file("labels.json"), "{\"classes\""); },
       "model 'm': label_encoder_path: "},
      {"one label",
       [](json&, RegistryTest& t) {
         t.write("labels.json", {{"classes", {"only"}}});
       },
       "model 'm': label_encoder_path: "},
      {"a label twice",
       [](json&, RegistryTest& t) {
         t.write("labels.json", {{"classes", {"a", "a"}}});
       },
       "lists 'a' twice"},
      {"a zero scale",
       [](json&, RegistryTest& t) {
         t.write("scaler.json", {{"feature_names", {"level_dbfs", "zcr_mean"}},
                                 {"mean", {0.0, 0.0}},
                                 {"scale", {1.0, 0.0}}});
       },
       "model 'm': scaler_path: "},
      {"a regression booster",
       [](json& e, RegistryTest& t) {
         // A trained classifier whose objective is then made a regression one.
         const std::vector<float> rows = {0, 0, 1, 1, 2, 0, 3, 1};
         const std::vector<int> labels = {0, 1, 0, 1};
         auto booster = XgboostBooster::train(rows, 4, 2, labels, 2, {.rounds = 2});
         ASSERT_TRUE(booster.ok() && booster->save_file(t.dir_.file("trees.json")).ok());
         std::ifstream saved(t.dir_.file("trees.json"));
         auto model = json::parse(saved);
         model["learner"]["objective"]["name"] = "reg:squarederror";
         t.write("trees.json", model);
         e["predictor"] = "xgboost_proba";
         e["model_path"] = "trees.json";
       },
       "model 'm': model_path: "},
      {"label count",
       [](json&, RegistryTest& t) {
         t.write("labels.json", {{"classes", {"a", "b", "c"}}});
       },
       "model 'm': label_encoder_path: 3 labels for a model of 2 classes"},
      {"feature count",
       [](json&, RegistryTest& t) {
         t.write("linear.json", {{"coefficients", {{1.0, 2.0, 3.0}}}, {"intercepts", {0.0}}});
       },
       "model 'm': model_path: the model takes 3 features, the scaler and dropped_features give 2"},
      {"corrupt weights",
       [](json&, RegistryTest& t) {
         t.write("linear.json", {{"x", 1}});
       },
       "model 'm': model_path: "},
      {"corrupt xgboost model",
       [](json& e, RegistryTest& t) {
         test::write_text(t.dir_.file("bad.json"), "{not a model");
         e["predictor"] = "xgboost_proba";
         e["model_path"] = "bad.json";
       },
       "model 'm': model_path: "},
      {"extractor", [](json& e, RegistryTest&) { e["feature_extractor"] = "mfcc-only"; },
       "model 'm': feature_extractor: must be \"default\""},
      {"rate", [](json& e, RegistryTest&) { e["sample_rate"] = 1000; }, "model 'm': sample_rate"},
      {"seconds", [](json& e, RegistryTest&) { e["analysis_seconds"] = -1; },
       "model 'm': analysis_seconds: must be a positive number"},
      {"content with files", [](json& e, RegistryTest&) { e["predictor"] = "content"; },
       "model 'm': model_path: the content predictor takes none"},
  };
  for (const auto& c : cases) {
    SetUp();  // fresh artifacts for each case
    json entry = level_model();
    c.breaks(entry, *this);
    const auto message = error_of({{"m", entry}});
    EXPECT_NE(message.find(c.message), std::string::npos) << c.what << ": " << message;
    EXPECT_NE(message.find("models.json"), std::string::npos) << c.what << ": " << message;
  }
}

TEST_F(RegistryTest, WithoutAScalerTheInputIsEveryFeatureNotDroppedUnscaled) {
  const auto names = dsp::feature_names();
  const std::size_t kept = names.size() - 2;  // dropped.json: pitch_median and pitch_p10
  write("linear.json", {{"coefficients", {std::vector<double>(kept, 0.0)}}, {"intercepts", {0.0}}});
  auto entry = level_model();
  entry.erase("scaler_path");
  auto registry = load({{"m", entry}});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const auto* model = dynamic_cast<const FeatureModel*>(registry->find("m"));
  ASSERT_NE(model, nullptr);
  std::vector<float> features(names.size());
  std::vector<float> expected;
  for (std::size_t i = 0; i < names.size(); ++i) {
    features[i] = static_cast<float>(i) - 7.5f;
    if (names[i] != "pitch_median" && names[i] != "pitch_p10") expected.push_back(features[i]);
  }
  EXPECT_EQ(model->model_input(features), expected);
}

TEST_F(RegistryTest, ADocumentThatIsNotARegistryIsRefused) {
  EXPECT_NE(error_of(json::array()).find("must be a JSON object of models by name"),
            std::string::npos);
  EXPECT_NE(error_of(json::object()).find("declares no model"), std::string::npos);
  EXPECT_NE(error_of({{"m", 3}}).find("model 'm': the entry must be a JSON object"),
            std::string::npos);
  auto missing = Registry::load_file(dir_.file("nothing.json"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::not_found);
  auto inline_json = Registry::load_json("{broken", dir_.path(), {});
  ASSERT_FALSE(inline_json.ok());
  EXPECT_NE(inline_json.error().message.find("MODELS_CONFIG_JSON"), std::string::npos);
}

TEST_F(RegistryTest, PathsAreRelativeToTheRegistryFolder) {
  // Inline JSON resolves against the folder it is given; a file, against its own folder.
  auto inline_json = Registry::load_json(json{{"m", level_model()}}.dump(), dir_.path(), {});
  EXPECT_TRUE(inline_json.ok()) << inline_json.error().message;
  auto elsewhere = Registry::load_json(json{{"m", level_model()}}.dump(), "/", {});
  EXPECT_FALSE(elsewhere.ok());
}

TEST_F(RegistryTest, ContentModelClassifiesAudio) {
  auto registry = load({{"content", {{"predictor", "content"}}}});
  ASSERT_TRUE(registry.ok());
  auto silent = predict_bytes(registry->default_model(), wav(test::silence(2 * kRate)), {});
  ASSERT_TRUE(silent.ok()) << silent.error().message;
  EXPECT_EQ(silent->label, "silence");
  EXPECT_DOUBLE_EQ(silent->probability, 1.0);
  ASSERT_EQ(silent->probabilities.size(), 4u);
  auto noise = predict_bytes(registry->default_model(), wav(test::noise(0.3, 3 * kRate)), {});
  ASSERT_TRUE(noise.ok());
  EXPECT_EQ(noise->label, "noise");
}

TEST_F(RegistryTest, CorruptAudioIsAnErrorNotACrash) {
  auto registry = load({{"level", level_model()}});
  ASSERT_TRUE(registry.ok());
  const std::vector<std::uint8_t> garbage(1000, 0x5a);
  auto prediction = predict_bytes(registry->default_model(), garbage, {});
  ASSERT_FALSE(prediction.ok());
  EXPECT_NE(prediction.error().code, core::ErrorCode::internal);
}

TEST(ShippedRegistry, LoadsWithTheContentModelFirstAndTheDemonstration) {
  auto registry =
      Registry::load_file(std::filesystem::path(EARSHOT_SOURCE_DIR) / "config/models.json", {});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  EXPECT_EQ(registry->names(), "content, pump_demo");
  EXPECT_EQ(registry->default_model().info().name, "content");
  const Model* demo = registry->find("pump_demo");
  ASSERT_NE(demo, nullptr);
  EXPECT_EQ(demo->info().labels, (std::vector<std::string>{"anomalous", "normal"}));
  EXPECT_NE(demo->info().description.find("synthetic"), std::string::npos);
  auto prediction = demo->predict(test::noise(0.1, 2 * kRate));
  ASSERT_TRUE(prediction.ok()) << prediction.error().message;
  EXPECT_NEAR(prediction->probabilities[0].second + prediction->probabilities[1].second, 1.0, 1e-6);
}

}  // namespace
}  // namespace earshot::models
