// The registry's routes without sockets: GET /models, POST /predict-anomaly (the old service's
// contract: 400 for an unknown model, 422 without a file, 400 for bytes that are not audio) and
// POST /models/reload with a good and a broken registry; the model catalog's sources; an AST
// checkpoint (tests/data/ast-small, its labels renamed to AudioSet classes) listed, predicting
// with its top labels, categories and windows, and classifying analyses as CONTENT_MODEL.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/ast_predictor.hpp"
#include "service/app/app.hpp"
#include "service/pipeline/model_catalog.hpp"
#include "service/routes/routes.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::service {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kForm = "multipart/form-data; boundary=XyZ";

std::string form_with(const std::string& field, const std::string& content) {
  return "--XyZ\r\nContent-Disposition: form-data; name=\"" + field +
         "\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n" + content + "\r\n--XyZ--\r\n";
}

std::string noise_wav() {
  auto bytes = test::encode_wav(test::noise(0.3, 48000), {.sample_rate = 16000});
  return std::string(bytes.begin(), bytes.end());
}

HttpResponse run(const Routes& routes, HttpRequest request) {
  Dispatch d = routes.dispatch(std::move(request));
  return d.immediate ? *d.immediate : d.work();
}

// A registry folder with the content model and a linear "level" model.
class ModelRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write("scaler.json", {{"feature_names", {"level_dbfs"}}, {"mean", {-30.0}}, {"scale", {10.0}}});
    write("labels.json", {{"classes", {"quiet", "loud"}}});
    write("linear.json", {{"coefficients", {{3.0}}}, {"intercepts", {0.0}}});
    write_registry({{"content", {{"predictor", "content"}, {"description", "built in"}}},
                    {"level", level_entry()}});
  }

  static json level_entry() {
    return {{"predictor", "linear_proba"},
            {"model_path", "linear.json"},
            {"scaler_path", "scaler.json"},
            {"label_encoder_path", "labels.json"}};
  }

  void write(const std::string& name, const json& value) {
    test::write_text(dir_.file(name), value.dump());
  }
  void write_registry(const json& registry) { write("models.json", registry); }

  Config config() const {
    Config c;
    c.models_config_path = dir_.file("models.json");
    return c;
  }

  Routes routes(const Config& c) const {
    auto r = app::build_routes(c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return std::move(*r);
  }

  test::TempDir dir_;
};

TEST_F(ModelRoutesTest, ListsTheModelsAndTheDefault) {
  const auto response = run(routes(config()), {"GET", "/models", "", ""});
  ASSERT_EQ(response.status, 200);
  const auto body = json::parse(response.body);
  EXPECT_EQ(body["default_model"], "content");
  ASSERT_EQ(body["models"].size(), 2u);
  EXPECT_EQ(body["models"][0], (json{{"name", "content"},
                                     {"predictor", "content"},
                                     {"feature_extractor", "content-log-mel-v1"},
                                     {"labels", {"speech", "music", "noise", "silence"}},
                                     {"description", "built in"}}));
  EXPECT_EQ(body["models"][1]["labels"], (json{"quiet", "loud"}));
  EXPECT_EQ(body["models"][1]["feature_extractor"], "earshot-features-v1");
}

TEST_F(ModelRoutesTest, PredictsWithTheNamedModelOrTheDefault) {
  const auto r = routes(config());
  const auto named =
      run(r, {"POST", "/predict-anomaly?model_name=level", kForm, form_with("file", noise_wav())});
  ASSERT_EQ(named.status, 200) << named.body;
  const auto body = json::parse(named.body);
  EXPECT_EQ(body["model_name"], "level");
  EXPECT_EQ(body["prediction"], "loud");
  EXPECT_GT(body["probability"].get<double>(), 0.5);
  ASSERT_EQ(body["all_probabilities"].size(), 2u);
  EXPECT_NEAR(body["all_probabilities"]["quiet"].get<double>() +
                  body["all_probabilities"]["loud"].get<double>(),
              1.0, 1e-9);
  EXPECT_EQ(body["probability"], body["all_probabilities"]["loud"]);
  EXPECT_GE(body["latency_ms"].get<double>(), 0.0);
  const std::vector<std::string> keys = {"model_name", "prediction", "probability",
                                         "all_probabilities", "latency_ms"};
  std::vector<std::string> seen;
  for (const auto& [key, value] : body.items()) seen.push_back(key);
  EXPECT_EQ(seen, keys);

  const auto by_default =
      run(r, {"POST", "/predict-anomaly", kForm, form_with("file", noise_wav())});
  ASSERT_EQ(by_default.status, 200);
  EXPECT_EQ(json::parse(by_default.body)["model_name"], "content");
  EXPECT_EQ(json::parse(by_default.body)["prediction"], "noise");
}

TEST_F(ModelRoutesTest, ContractErrors) {
  const auto r = routes(config());
  const auto unknown = run(
      r, {"POST", "/predict-anomaly?model_name=pump%20v9", kForm, form_with("file", noise_wav())});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(json::parse(unknown.body),
            (json{{"detail", "Unknown model 'pump v9'. Available: content, level"}}));

  const auto no_file = run(r, {"POST", "/predict-anomaly", kForm, form_with("upload", "x")});
  EXPECT_EQ(no_file.status, 422);
  EXPECT_EQ(json::parse(no_file.body)["detail"][0]["loc"], (json{"body", "file"}));
  // The form is checked before the model name, as FastAPI did.
  EXPECT_EQ(
      run(r, {"POST", "/predict-anomaly?model_name=nope", kForm, form_with("upload", "x")}).status,
      422);
  EXPECT_EQ(run(r, {"POST", "/predict-anomaly", "application/json", "{}"}).status, 422);
  EXPECT_EQ(run(r, {"POST", "/predict-anomaly", kForm, "--XyZ garbage"}).status, 400);

  const auto not_audio =
      run(r, {"POST", "/predict-anomaly", kForm, form_with("file", std::string(2000, 'z'))});
  EXPECT_EQ(not_audio.status, 400) << not_audio.body;
  EXPECT_TRUE(json::parse(not_audio.body)["detail"].is_string());
  EXPECT_EQ(run(r, {"GET", "/predict-anomaly", "", ""}).status, 405);
}

TEST_F(ModelRoutesTest, ReloadPicksUpANewRegistryAndKeepsTheOldOneWhenBroken) {
  const auto r = routes(config());
  write_registry({{"level", level_entry()}});
  const auto good = run(r, {"POST", "/models/reload", "", ""});
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(json::parse(good.body),
            (json{{"status", "reloaded"}, {"models", {"level"}}, {"default_model", "level"}}));
  EXPECT_EQ(json::parse(run(r, {"GET", "/models", "", ""}).body)["models"].size(), 1u);

  auto broken = level_entry();
  broken["scaler_path"] = "missing.json";
  write_registry({{"level", broken}, {"content", {{"predictor", "content"}}}});
  const auto bad = run(r, {"POST", "/models/reload", "", ""});
  EXPECT_EQ(bad.status, 400);
  const std::string detail = json::parse(bad.body)["detail"];
  EXPECT_NE(detail.find("model 'level': scaler_path"), std::string::npos) << detail;
  EXPECT_NE(detail.find("previous one still serves"), std::string::npos) << detail;
  const auto still = json::parse(run(r, {"GET", "/models", "", ""}).body);
  EXPECT_EQ(still["models"].size(), 1u);
  EXPECT_EQ(run(r, {"POST", "/predict-anomaly", kForm, form_with("file", noise_wav())}).status,
            200);
}

TEST_F(ModelRoutesTest, ABrokenRegistryStopsStartUpWithTheModelAndField) {
  write_registry({{"level", {{"predictor", "linear_proba"}}}});
  auto r = app::build_routes(config());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("model 'level': model_path: is required"), std::string::npos)
      << r.error().message;
  Config unknown_default = config();
  unknown_default.default_model_name = "pump";
  write_registry({{"level", level_entry()}});
  auto d = app::build_routes(unknown_default);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("DEFAULT_MODEL_NAME: 'pump'"), std::string::npos);
}

TEST_F(ModelRoutesTest, CatalogSources) {
  // Inline JSON wins over the file; its paths are relative to the working directory.
  Config inline_config = config();
  inline_config.models_config_json = nlohmann::json{{"only", {{"predictor", "content"}}}};
  auto from_json = app::load_catalog(inline_config);
  ASSERT_TRUE(from_json.ok()) << from_json.error().message;
  EXPECT_EQ((*from_json)->current()->names(), "only");

  // The default path, absent: the built-in content model alone. Another path, absent: an error.
  Config bare;
  ASSERT_FALSE(std::filesystem::exists(bare.models_config_path));
  auto built_in = app::load_catalog(bare);
  ASSERT_TRUE(built_in.ok()) << built_in.error().message;
  EXPECT_EQ((*built_in)->current()->names(), "content");
  Config missing;
  missing.models_config_path = dir_.file("nowhere.json");
  EXPECT_FALSE(app::load_catalog(missing).ok());
}

// The small random checkpoint with AudioSet class names (one of each content class and one
// that is none), registered as "ast" beside the content model.
class AstRoutesTest : public ModelRoutesTest {
 protected:
  void SetUp() override {
    ModelRoutesTest::SetUp();
    const std::filesystem::path source =
        std::filesystem::path(EARSHOT_SOURCE_DIR) / "tests/data/ast-small";
    const auto folder = dir_.file("ast");
    std::filesystem::create_directories(folder);
    std::filesystem::copy_file(source / "model.safetensors", folder / "model.safetensors");
    std::ifstream in(source / "config.json");
    auto checkpoint = nlohmann::json::parse(in);
    const std::vector<std::string> labels = {"Speech", "Music", "Dog", "Silence", "label_4"};
    checkpoint["id2label"] = nlohmann::json::object();
    for (std::size_t i = 0; i < labels.size(); ++i) {
      checkpoint["id2label"][std::to_string(i)] = labels[i];
    }
    test::write_text(folder / "config.json", checkpoint.dump());
    write_registry({{"content", {{"predictor", "content"}}},
                    {"level", level_entry()},
                    {"ast", {{"predictor", "ast"}, {"model_path", "ast"}, {"top_k", 2}}}});
  }
};

TEST_F(AstRoutesTest, IsListedAndPredictsWithTopLabelsCategoriesAndWindows) {
  const auto r = routes(config());
  const auto listed = json::parse(run(r, {"GET", "/models", "", ""}).body);
  ASSERT_EQ(listed["models"].size(), 3u);
  EXPECT_EQ(listed["models"][2]["predictor"], "ast");
  EXPECT_EQ(listed["models"][2]["feature_extractor"], "ast-input");
  EXPECT_EQ(listed["models"][2]["labels"], (json{"Speech", "Music", "Dog", "Silence", "label_4"}));

  const auto response =
      run(r, {"POST", "/predict-anomaly?model_name=ast", kForm, form_with("file", noise_wav())});
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json::parse(response.body);
  EXPECT_EQ(body["model_name"], "ast");
  ASSERT_EQ(body["all_probabilities"].size(), 5u);
  ASSERT_EQ(body["top_labels"].size(), 2u);
  EXPECT_EQ(body["top_labels"][0]["label"], body["prediction"]);
  EXPECT_EQ(body["top_labels"][0]["score"], body["probability"]);
  const auto& categories = body["categories"];
  ASSERT_EQ(categories.size(), 4u);
  // One label per category here, so a category's score is its label's.
  EXPECT_EQ(categories["speech"], body["all_probabilities"]["Speech"]);
  EXPECT_EQ(categories["noise"], body["all_probabilities"]["Dog"]);
  // 3 s of audio: 1.28 s windows (max_length 128 frames), one after another.
  ASSERT_EQ(body["windows"].size(), 3u);
  EXPECT_EQ(body["windows"][2]["end"], 3.0);
  EXPECT_EQ(body["windows"][0]["top_labels"].size(), 2u);
  EXPECT_EQ(body["windows"][0]["categories"].size(), 4u);
}

TEST_F(AstRoutesTest, ContentModelAstClassifiesEveryAnalysis) {
  Config with_ast = config();
  with_ast.content_model = "ast";
  const auto r = routes(with_ast);
  // What the AST itself says of the same audio, as the content classifier reads it: the
  // speech, music and noise scores of each 1 s chunk (the whole seconds of its 1.28 s window),
  // divided by their sum.
  auto registry = models::Registry::load_file(dir_.file("models.json"), {});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const auto* ast = dynamic_cast<const models::AstPredictor*>(registry->find("ast"));
  ASSERT_NE(ast, nullptr);
  const auto audio = test::noise(0.3, 48000);
  std::array<double, 3> mean{};
  std::vector<std::array<double, 3>> chunks;
  for (std::size_t start = 0; start < audio.size(); start += 16000) {
    const auto scores = ast->window_scores(std::span(audio).subspan(start, 16000));
    ASSERT_TRUE(scores.ok());
    const auto c = *ast->category_scores(*scores);
    const double sum = c[0] + c[1] + c[2];
    chunks.push_back({c[0] / sum, c[1] / sum, c[2] / sum});
    for (std::size_t i = 0; i < 3; ++i) mean[i] += chunks.back()[i] / 3.0;
  }

  const auto wav = test::encode_wav(audio, {.sample_rate = 16000});
  const auto response =
      run(r, {"POST", "/analyze", "audio/wav", std::string(wav.begin(), wav.end())});
  ASSERT_EQ(response.status, 200) << response.body;
  const auto data = json::parse(response.body)["data"];
  const char* names[] = {"speech", "music", "noise"};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(data["class_probabilities"][names[i]].get<double>(), mean[i], 2e-4) << names[i];
  }
  // The first second's label: the first two windows' probabilities averaged (the timeline's
  // smoothing), their best class.
  std::array<double, 3> first{};
  for (std::size_t i = 0; i < 3; ++i) first[i] = chunks[0][i] + chunks[1][i];
  const auto best = std::max_element(first.begin(), first.end()) - first.begin();
  EXPECT_EQ(data["segments"][0]["label"], names[best]) << response.body;
}

TEST_F(AstRoutesTest, AContentModelThatCannotClassifyStopsStartUp) {
  for (const auto& [name, message] : std::vector<std::pair<std::string, std::string>>{
           {"level", "CONTENT_MODEL: 'level' is a linear_proba model"},
           {"nope", "CONTENT_MODEL: 'nope' is not a model of the registry"}}) {
    Config bad = config();
    bad.content_model = name;
    auto r = app::build_routes(bad);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  }
  Config shipped = config();
  shipped.content_model = "content";
  EXPECT_TRUE(app::build_routes(shipped).ok());
}

}  // namespace
}  // namespace earshot::service
