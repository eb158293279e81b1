// `earshot train`, `earshot models list` and `earshot predict` as a user runs them: a small
// synthetic machine-sound data set (tools/machine_sounds) is trained into a model with no
// Python, the model's own models.json is listed, and held-out clips are classified with it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_earshot.hpp"
#include "machine_sounds/machine_sounds.hpp"
#include "support/test_files.hpp"

namespace earshot {
namespace {

using test::lines_of;
using test::run_earshot;
using tools::MachineCondition;

// `per_class` clips of each condition, 2 s at 16 kHz, with faults at least 60 % severe.
void write_data_set(const std::filesystem::path& dir, int per_class, std::uint64_t seed) {
  const tools::MachineSoundOptions options{
      .sample_rate = 16000, .seconds = 2.0, .min_severity = 0.6};
  for (const auto condition : {MachineCondition::normal, MachineCondition::anomalous}) {
    const auto folder = dir / std::string(tools::condition_name(condition));
    std::filesystem::create_directories(folder);
    for (int i = 0; i < per_class; ++i) {
      const auto clip =
          tools::machine_sound(condition, options, tools::clip_seed(seed, condition, i));
      ASSERT_TRUE(tools::write_wav_file(folder / ("clip-" + std::to_string(i) + ".wav"), clip,
                                        options.sample_rate));
    }
  }
}

TEST(ModelsCommand, TrainListAndPredictWithNoPython) {
  test::TempDir dir;
  write_data_set(dir.file("data"), 60, 11);
  // Unequal labels, so that the split shows it is stratified: 80 normal, 60 anomalous.
  write_data_set(dir.file("extra"), 20, 12);
  for (int i = 0; i < 20; ++i) {
    std::filesystem::rename(dir.file("extra/normal/clip-" + std::to_string(i) + ".wav"),
                            dir.file("data/normal/extra-" + std::to_string(i) + ".wav"));
  }
  test::write_text(dir.file("data/normal/notes.txt"), "not audio");  // skipped, not fatal

  const auto trained = run_earshot(
      {"train", dir.file("data").string(), "--out", dir.file("model").string(), "--name",
       "pump_test", "--validation", "0.25", "--rounds", "100", "--seed", "1", "--threads", "2"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.out.find("precision"), std::string::npos) << trained.out;
  EXPECT_NE(trained.out.find("skipped"), std::string::npos) << trained.out;
  const auto report = nlohmann::json::parse(test::read_bytes(dir.file("model/training.json")));
  EXPECT_EQ(report["validation_files"], 35);
  EXPECT_EQ(report["validation_scores"]["normal"]["support"], 20);  // a quarter of each label
  EXPECT_EQ(report["validation_scores"]["anomalous"]["support"], 15);
  EXPECT_GE(report["validation_accuracy"].get<double>(), 0.85) << report.dump();
  for (const char* label : {"normal", "anomalous"}) {
    EXPECT_GE(report["validation_scores"][label]["recall"].get<double>(), 0.75) << label;
  }

  const std::string config = dir.file("model/models.json").string();
  const auto listed = run_earshot({"models", "list", "--config", config});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto models = nlohmann::json::parse(listed.out);
  EXPECT_EQ(models["default_model"], "pump_test");
  EXPECT_EQ(models["models"][0]["predictor"], "xgboost_proba");
  EXPECT_EQ(models["models"][0]["labels"], (nlohmann::json{"anomalous", "normal"}));

  // Clips of another seed, never seen in training.
  write_data_set(dir.file("unseen"), 10, 99);
  std::vector<std::string> args = {"predict", "--config", config, "--model", "pump_test"};
  std::vector<std::string> truth;
  for (const char* condition : {"normal", "anomalous"}) {
    for (int i = 0; i < 10; ++i) {
      args.push_back(dir.file("unseen").string() + "/" + condition + "/clip-" + std::to_string(i) +
                     ".wav");
      truth.emplace_back(condition);
    }
  }
  const auto predicted = run_earshot(args);
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto lines = lines_of(predicted.out);
  ASSERT_EQ(lines.size(), truth.size());
  int right = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto line = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(line["model_name"], "pump_test");
    EXPECT_NEAR(line["all_probabilities"]["normal"].get<double>() +
                    line["all_probabilities"]["anomalous"].get<double>(),
                1.0, 1e-6);
    right += line["prediction"] == truth[i];
  }
  EXPECT_GE(right, 16) << predicted.out;
}

TEST(ModelsCommand, PredictsWithAnAstCheckpointOnSeveralThreads) {
  // The small random checkpoint of tests/data/ast-small, registered by absolute path.
  test::TempDir dir;
  const auto checkpoint = std::filesystem::path(EARSHOT_SOURCE_DIR) / "tests/data/ast-small";
  test::write_text(
      dir.file("models.json"),
      nlohmann::json{{"ast", {{"predictor", "ast"}, {"model_path", checkpoint}}}}.dump());
  write_data_set(dir.file("clips"), 1, 5);  // 2 s: two 1.28 s windows
  const auto clip = dir.file("clips/normal/clip-0.wav").string();
  std::vector<nlohmann::json> answers;
  for (const char* threads : {"1", "2"}) {
    const auto predicted = run_earshot(
        {"predict", "--config", dir.file("models.json").string(), "--threads", threads, clip});
    ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
    answers.push_back(nlohmann::json::parse(predicted.out));
  }
  const auto& line = answers[0];
  EXPECT_EQ(line["model_name"], "ast");
  EXPECT_EQ(line["all_probabilities"].size(), 5u);
  EXPECT_EQ(line["top_labels"].size(), 5u);  // top_k 5 of 5 labels
  EXPECT_EQ(line["top_labels"][0]["label"], line["prediction"]);
  EXPECT_EQ(line["windows"].size(), 2u);
  EXPECT_FALSE(line.contains("categories"));  // label_N are no AudioSet classes
  for (const auto& [label, score] : line["all_probabilities"].items()) {
    EXPECT_NEAR(score.get<double>(), answers[1]["all_probabilities"][label].get<double>(), 1e-5);
  }
  EXPECT_NE(run_earshot({"predict", "--threads", "0", clip}).exit_code, 0);
}

TEST(ModelsCommand, TrainNamesTheModelAfterItsFolderWhenGivenNoName) {
  test::TempDir dir;
  write_data_set(dir.file("data"), 6, 3);
  const auto trained = run_earshot({"train", dir.file("data").string(), "--out",
                                    dir.file("models/valve7/").string(), "--rounds", "5"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.out.find("(model 'valve7')"), std::string::npos) << trained.out;
  const auto listed =
      run_earshot({"models", "list", "--config", dir.file("models/valve7/models.json").string()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(nlohmann::json::parse(listed.out)["default_model"], "valve7");

  const auto nameless = run_earshot({"train", dir.file("data").string(), "--out", "/"});
  EXPECT_EQ(nameless.exit_code, 2);
  EXPECT_NE(nameless.err.find("give --name"), std::string::npos) << nameless.err;
}

TEST(ModelsCommand, ErrorsAreClear) {
  test::TempDir dir;
  const auto no_labels =
      run_earshot({"train", dir.path().string(), "--out", dir.file("m").string(), "--name", "x"});
  EXPECT_EQ(no_labels.exit_code, 1);
  EXPECT_NE(no_labels.err.find("one sub-folder per label"), std::string::npos) << no_labels.err;

  const auto missing = run_earshot({"models", "list", "--config", dir.file("none.json").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.json"), std::string::npos) << missing.err;

  test::write_text(dir.file("models.json"), R"({"content": {"predictor": "content"}})");
  const auto unknown = run_earshot(
      {"predict", "--config", dir.file("models.json").string(), "--model", "nope", "a.wav"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("Available: content"), std::string::npos) << unknown.err;

  test::write_text(dir.file("bad.wav"), "RIFF nonsense");
  const auto bad = run_earshot(
      {"predict", "--config", dir.file("models.json").string(), dir.file("bad.wav").string()});
  EXPECT_EQ(bad.exit_code, 1);
  const auto line = nlohmann::json::parse(bad.out);
  EXPECT_TRUE(line["error"]["message"].is_string());
}

}  // namespace
}  // namespace earshot
