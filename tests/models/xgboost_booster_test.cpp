// XgboostBooster on data the test generates (Gaussian blobs): training, saving and reloading as
// JSON and UBJSON, the probabilities against a hand evaluation of the saved JSON trees (Python
// xgboost's own predictions are checked in xgboost_reference_test.cpp), the objectives other
// than multi:softprob, concurrent prediction, and the files and inputs that must be refused
// without a crash.
#include "models/xgboost_booster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "support/test_files.hpp"

namespace earshot::models {
namespace {

using core::ErrorCode;
using nlohmann::json;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr std::size_t kFeatures = 4;
constexpr std::size_t kClasses = 3;
constexpr double kLearningRate = 0.3;

struct Data {
  std::vector<float> rows;  // row-major, kFeatures per row
  std::vector<int> labels;
  std::size_t row_count = 0;
};

// Class c is centred at 2.5 on feature c; the last feature is noise only.
Data blobs(std::size_t per_class, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  Data data;
  for (std::size_t i = 0; i < per_class * kClasses; ++i) {
    const auto label = static_cast<int>(i % kClasses);
    for (std::size_t f = 0; f < kFeatures; ++f) {
      data.rows.push_back(noise(rng) + (f == static_cast<std::size_t>(label) ? 2.5f : 0.0f));
    }
    data.labels.push_back(label);
  }
  data.row_count = data.labels.size();
  return data;
}

// Rows beyond the training data: missing values (each tree's default direction) and far-out
// values (the outermost leaves).
Data probe_rows() {
  Data data = blobs(10, 99);
  for (std::size_t r = 0; r < data.row_count; ++r) {
    if (r % 3 == 0) data.rows[r * kFeatures + r % kFeatures] = kNaN;
    if (r % 5 == 0) data.rows[r * kFeatures + (r + 1) % kFeatures] = (r % 2 ? 10.0f : -10.0f);
  }
  for (std::size_t f = 0; f < kFeatures; ++f) data.rows.push_back(kNaN);  // all missing
  data.row_count += 1;
  return data;
}

XgboostTrainOptions fixture_options() {
  return {.rounds = 40, .max_depth = 3, .learning_rate = kLearningRate, .threads = 2, .seed = 5};
}

class XgboostBoosterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new Data(blobs(80, 1));
    auto trained = XgboostBooster::train(data_->rows, data_->row_count, kFeatures, data_->labels,
                                         kClasses, fixture_options());
    ASSERT_TRUE(trained.ok()) << trained.error().message;
    booster_ = new XgboostBooster(std::move(trained).value());
  }
  static void TearDownTestSuite() {
    delete booster_;
    delete data_;
  }

  static std::vector<float> predict(const XgboostBooster& booster, const Data& data) {
    auto p = booster.predict_proba(data.rows, data.row_count);
    EXPECT_TRUE(p.ok()) << p.error().message;
    return p.ok() ? *p : std::vector<float>{};
  }

  // The saved JSON model, parsed.
  static json saved_json() {
    test::TempDir dir;
    const auto status = booster_->save_file(dir.file("m.json"));
    EXPECT_TRUE(status.ok()) << status.error().message;
    const auto bytes = test::read_bytes(dir.file("m.json"));
    return json::parse(bytes.begin(), bytes.end());
  }

  static inline Data* data_ = nullptr;
  static inline XgboostBooster* booster_ = nullptr;
};

// --- A hand evaluation of XGBoost 1.7's JSON model ----------------------------------------------
// learner.gradient_booster.model: trees[] (parallel arrays per node: left_children, right_children
// (-1 at a leaf), split_indices, split_conditions (the threshold, or at a leaf the leaf value,
// eta already applied), default_left (where a missing value goes)) and tree_info[] (the output
// group, i.e. class, of each tree). learner.learner_model_param.base_score is a string.
// base_weights is not the leaf value in general: "hist" stores the leaf value there too, but
// "exact" stores the weight before eta.
struct ReferenceModel {
  explicit ReferenceModel(const json& model) : learner(model.at("learner")) {}

  // Sum of the leaves each class's trees reach for `row`.
  std::vector<double> leaf_sums(const float* row, std::size_t groups) const {
    std::vector<double> sums(groups, 0.0);
    const auto& booster = learner.at("gradient_booster").at("model");
    const auto& trees = booster.at("trees");
    for (std::size_t t = 0; t < trees.size(); ++t) {
      const auto& tree = trees[t];
      int node = 0;
      while (tree.at("left_children")[node].get<int>() != -1) {
        const float x = row[tree.at("split_indices")[node].get<std::size_t>()];
        const auto threshold = tree.at("split_conditions")[node].get<float>();
        const bool left =
            std::isnan(x) ? tree.at("default_left")[node].get<int>() != 0 : x < threshold;
        node = tree.at(left ? "left_children" : "right_children")[node].get<int>();
      }
      sums[booster.at("tree_info")[t].get<std::size_t>()] +=
          tree.at("split_conditions")[node].get<float>();
    }
    return sums;
  }

  double base_score() const {
    return std::stod(learner.at("learner_model_param").at("base_score").get<std::string>());
  }

  json learner;
};

std::vector<double> softmax(std::vector<double> margins) {
  double top = margins[0];
  for (double m : margins) top = std::max(top, m);
  double sum = 0.0;
  for (double& m : margins) sum += m = std::exp(m - top);
  for (double& m : margins) m /= sum;
  return margins;
}

TEST_F(XgboostBoosterTest, LearnsThreeGaussianBlobs) {
  EXPECT_EQ(booster_->class_count(), kClasses);
  EXPECT_EQ(booster_->feature_count(), kFeatures);
  const auto p = predict(*booster_, *data_);
  ASSERT_EQ(p.size(), data_->row_count * kClasses);
  std::size_t correct = 0;
  for (std::size_t r = 0; r < data_->row_count; ++r) {
    const float* row = p.data() + r * kClasses;
    float sum = 0.0f;
    for (std::size_t c = 0; c < kClasses; ++c) {
      EXPECT_GE(row[c], 0.0f);
      sum += row[c];
    }
    EXPECT_NEAR(sum, 1.0f, 1e-5f) << "row " << r;
    const auto best = static_cast<int>(std::max_element(row, row + kClasses) - row);
    correct += best == data_->labels[r];
  }
  EXPECT_GE(static_cast<double>(correct) / static_cast<double>(data_->row_count), 0.95);
}

TEST_F(XgboostBoosterTest, JsonAndUbjsonFilesReloadToTheSamePredictions) {
  test::TempDir dir;
  const Data probes = probe_rows();
  const auto expected = predict(*booster_, probes);
  for (const char* name : {"model.json", "model.ubj"}) {
    ASSERT_TRUE(booster_->save_file(dir.file(name)).ok()) << name;
    auto loaded = XgboostBooster::load_file(dir.file(name));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->class_count(), kClasses);
    EXPECT_EQ(loaded->feature_count(), kFeatures);
    EXPECT_EQ(predict(*loaded, probes), expected) << name;
  }
  // The format follows the name: text JSON, and UBJSON's '{' then a length marker.
  const auto json_bytes = test::read_bytes(dir.file("model.json"));
  const auto ubj_bytes = test::read_bytes(dir.file("model.ubj"));
  EXPECT_EQ(std::string(json_bytes.begin(), json_bytes.begin() + 2), "{\"");
  EXPECT_EQ(ubj_bytes[0], '{');
  EXPECT_TRUE(std::isalpha(ubj_bytes[1]));
}

TEST_F(XgboostBoosterTest, ProbabilitiesMatchAHandEvaluationOfTheJsonTrees) {
  const json model = saved_json();
  const ReferenceModel reference(model);
  EXPECT_EQ(model.at("learner").at("gradient_booster").at("model").at("trees").size(),
            40 * kClasses);  // one tree per class and round

  Data rows = probe_rows();
  rows.rows.insert(rows.rows.end(), data_->rows.begin(), data_->rows.end());
  rows.row_count += data_->row_count;
  const auto p = predict(*booster_, rows);
  ASSERT_EQ(p.size(), rows.row_count * kClasses);
  for (std::size_t r = 0; r < rows.row_count; ++r) {
    auto margins = reference.leaf_sums(rows.rows.data() + r * kFeatures, kClasses);
    for (double& m : margins) m += reference.base_score();  // multi:softprob: no link
    const auto expected = softmax(margins);
    for (std::size_t c = 0; c < kClasses; ++c) {
      EXPECT_NEAR(p[r * kClasses + c], expected[c], 1e-5) << "row " << r << " class " << c;
    }
  }
}

TEST_F(XgboostBoosterTest, TheFormatIsReadFromTheBytesNotTheName) {
  test::TempDir dir;
  ASSERT_TRUE(booster_->save_file(dir.file("a.json")).ok());
  ASSERT_TRUE(booster_->save_file(dir.file("a.ubj")).ok());
  const auto json_bytes = test::read_bytes(dir.file("a.json"));
  // Pretty-printed, with leading whitespace: XGBoost alone would read that as its binary format.
  const std::string pretty =
      "\n  " + json::parse(json_bytes.begin(), json_bytes.end()).dump(2) + "\n";
  test::write_bytes(dir.file("ubjson-named.json"), test::read_bytes(dir.file("a.ubj")));
  test::write_bytes(dir.file("model.bin"), json_bytes);
  test::write_text(dir.file("pretty-model"), pretty);

  const Data probes = probe_rows();
  const auto expected = predict(*booster_, probes);
  for (const char* name : {"ubjson-named.json", "model.bin", "pretty-model"}) {
    auto loaded = XgboostBooster::load_file(dir.file(name));
    ASSERT_TRUE(loaded.ok()) << name << ": " << loaded.error().message;
    EXPECT_EQ(predict(*loaded, probes), expected) << name;
  }
  const auto bytes = test::read_bytes(dir.file("a.ubj"));
  auto from_bytes = XgboostBooster::load_bytes(bytes);
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.error().message;
  EXPECT_EQ(predict(*from_bytes, probes), expected);
}

// The same trees as a binary:logistic model: class 0's trees, base_score 0.25.
json binary_logistic_model(json model) {
  auto& learner = model["learner"];
  auto& booster = learner["gradient_booster"]["model"];
  json trees = json::array();
  for (std::size_t t = 0; t < booster["trees"].size(); ++t) {
    if (booster["tree_info"][t].get<int>() != 0) continue;
    json tree = booster["trees"][t];
    tree["id"] = trees.size();
    trees.push_back(tree);
  }
  booster["gbtree_model_param"]["num_trees"] = std::to_string(trees.size());
  booster["tree_info"] = std::vector<int>(trees.size(), 0);
  booster["trees"] = trees;
  learner["learner_model_param"]["num_class"] = "0";
  learner["learner_model_param"]["base_score"] = "2.5E-1";
  learner["objective"] = {{"name", "binary:logistic"},
                          {"reg_loss_param", {{"scale_pos_weight", "1"}}}};
  return model;
}

TEST_F(XgboostBoosterTest, BinaryLogisticModelsGiveOneMinusPAndP) {
  const json model = binary_logistic_model(saved_json());
  test::TempDir dir;
  test::write_text(dir.file("binary.json"), model.dump());
  auto loaded = XgboostBooster::load_file(dir.file("binary.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->class_count(), 2u);

  const ReferenceModel reference(model);
  const Data probes = probe_rows();
  const auto p = predict(*loaded, probes);
  ASSERT_EQ(p.size(), probes.row_count * 2);
  for (std::size_t r = 0; r < probes.row_count; ++r) {
    // binary:logistic's base_score is a probability: its margin is logit(0.25).
    const double margin =
        std::log(0.25 / 0.75) + reference.leaf_sums(probes.rows.data() + r * kFeatures, 1)[0];
    const double positive = 1.0 / (1.0 + std::exp(-margin));
    EXPECT_NEAR(p[2 * r + 1], positive, 1e-5) << "row " << r;
    EXPECT_NEAR(p[2 * r], 1.0 - positive, 1e-5) << "row " << r;
  }
}

TEST_F(XgboostBoosterTest, MultiSoftmaxModelsGiveTheSoftprobProbabilities) {
  json model = saved_json();
  model["learner"]["objective"]["name"] = "multi:softmax";
  const std::string text = model.dump();
  auto loaded = XgboostBooster::load_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->class_count(), kClasses);
  const Data probes = probe_rows();
  const auto expected = predict(*booster_, probes);
  const auto p = predict(*loaded, probes);
  ASSERT_EQ(p.size(), expected.size());
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], expected[i], 1e-6) << i;
}

TEST_F(XgboostBoosterTest, RefusesModelsThatAreNotClassifiers) {
  json model = binary_logistic_model(saved_json());
  model["learner"]["objective"]["name"] = "reg:squarederror";
  const std::string text = model.dump();
  auto loaded = XgboostBooster::load_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::invalid_input);
  EXPECT_NE(loaded.error().message.find("reg:squarederror"), std::string::npos)
      << loaded.error().message;
}

// Four threads predict (whole batches and single rows) while a fifth saves the model, all on
// one booster: every answer and every saved file must be what one thread gets alone.
TEST_F(XgboostBoosterTest, ConcurrentPredictionsAndSavesMatchOneThread) {
  const Data probes = probe_rows();
  const auto expected = predict(*booster_, probes);
  test::TempDir dir;
  ASSERT_TRUE(booster_->save_file(dir.file("alone.json")).ok());
  const auto expected_file = test::read_bytes(dir.file("alone.json"));

  std::vector<std::vector<std::string>> failures(5);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        auto all = booster_->predict_proba(probes.rows, probes.row_count);
        if (!all.ok() || *all != expected) failures[t].push_back("batch " + std::to_string(round));
        const std::size_t r = (t * 7 + static_cast<std::size_t>(round)) % probes.row_count;
        auto one =
            booster_->predict_proba(std::span(probes.rows).subspan(r * kFeatures, kFeatures), 1);
        const std::vector<float> want(expected.begin() + static_cast<long>(r * kClasses),
                                      expected.begin() + static_cast<long>((r + 1) * kClasses));
        if (!one.ok() || *one != want) failures[t].push_back("row " + std::to_string(r));
      }
    });
  }
  threads.emplace_back([&] {
    for (int round = 0; round < 20; ++round) {
      const auto path = dir.file("saved-" + std::to_string(round) + ".json");
      if (!booster_->save_file(path).ok() || test::read_bytes(path) != expected_file) {
        failures[4].push_back("save " + std::to_string(round));
      }
    }
  });
  for (auto& thread : threads) thread.join();
  for (std::size_t t = 0; t < failures.size(); ++t) {
    EXPECT_TRUE(failures[t].empty()) << "thread " << t << ": " << failures[t].front();
  }
}

TEST_F(XgboostBoosterTest, RefusesRowsOfTheWrongWidth) {
  const std::vector<float> rows(2 * kFeatures + 1, 0.0f);
  auto p = booster_->predict_proba(rows, 2);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::invalid_input);
  EXPECT_NE(p.error().message.find("need 8 values, got 9"), std::string::npos) << p.error().message;
  auto none = booster_->predict_proba({}, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(XgboostBoosterTest, SavesOnlyJsonAndUbjsonNames) {
  test::TempDir dir;
  const auto status = booster_->save_file(dir.file("model.bin"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::invalid_input);
  const auto unwritable = booster_->save_file(dir.file("no-such-dir") / "model.json");
  ASSERT_FALSE(unwritable.ok());
  EXPECT_EQ(unwritable.error().code, ErrorCode::io);
}

TEST(XgboostBoosterTraining, SameSeedSameModelAndTwoClassesGiveTwoColumns) {
  const Data data = blobs(40, 3);
  // Two classes: 0 against the rest.
  std::vector<int> binary(data.labels);
  for (int& label : binary) label = label == 0 ? 0 : 1;
  const XgboostTrainOptions options{.rounds = 10, .subsample = 0.7, .threads = 2, .seed = 11};
  test::TempDir dir;
  for (const char* name : {"a.json", "b.json"}) {
    auto booster = XgboostBooster::train(data.rows, data.row_count, kFeatures, binary, 2, options);
    ASSERT_TRUE(booster.ok()) << booster.error().message;
    EXPECT_EQ(booster->class_count(), 2u);
    ASSERT_TRUE(booster->save_file(dir.file(name)).ok());
  }
  EXPECT_EQ(test::read_bytes(dir.file("a.json")), test::read_bytes(dir.file("b.json")));

  XgboostTrainOptions other_seed = options;
  other_seed.seed = 12;
  auto other = XgboostBooster::train(data.rows, data.row_count, kFeatures, binary, 2, other_seed);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->save_file(dir.file("c.json")).ok());
  EXPECT_NE(test::read_bytes(dir.file("a.json")), test::read_bytes(dir.file("c.json")));
}

TEST(XgboostBoosterTraining, RefusesInconsistentInput) {
  const Data data = blobs(5, 4);
  const XgboostTrainOptions options{.rounds = 2};
  auto train = [&](std::span<const float> rows, std::size_t row_count, std::span<const int> labels,
                   std::size_t classes, const XgboostTrainOptions& o) {
    auto booster = XgboostBooster::train(rows, row_count, kFeatures, labels, classes, o);
    EXPECT_FALSE(booster.ok());
    if (booster.ok()) return std::string();
    EXPECT_EQ(booster.error().code, ErrorCode::invalid_input) << booster.error().message;
    return booster.error().message;
  };
  std::vector<int> labels = data.labels;
  labels[4] = 3;  // classes are 0, 1, 2
  EXPECT_NE(train(data.rows, data.row_count, labels, kClasses, options).find("label 3 of row 4"),
            std::string::npos);
  labels[4] = -1;
  train(data.rows, data.row_count, labels, kClasses, options);
  train(data.rows, data.row_count, std::span(data.labels).first(3), kClasses, options);
  train(std::span(data.rows).first(7), data.row_count, data.labels, kClasses, options);
  train(data.rows, data.row_count, std::vector<int>(data.row_count, 0), 1, options);
  train(data.rows, data.row_count, data.labels, kClasses, {.rounds = 0});
  train(data.rows, data.row_count, data.labels, kClasses, {.learning_rate = 0.0});
  train(data.rows, data.row_count, data.labels, kClasses, {.subsample = 1.5});
  train(data.rows, data.row_count, data.labels, kClasses, {.max_depth = 0});
}

// --- Files that are not models ------------------------------------------------------------------

core::Error load_error(const std::filesystem::path& path) {
  auto loaded = XgboostBooster::load_file(path);
  EXPECT_FALSE(loaded.ok()) << path;
  return loaded.ok() ? core::Error{ErrorCode::internal, "loaded"} : loaded.error();
}

TEST_F(XgboostBoosterTest, MissingAndCorruptFilesAreRefusedWithAReason) {
  test::TempDir dir;
  EXPECT_EQ(load_error(dir.file("absent.json")).code, ErrorCode::not_found);
  EXPECT_EQ(load_error(dir.path()).code, ErrorCode::invalid_input);  // a directory

  std::mt19937 rng(7);
  std::vector<std::uint8_t> garbage(4096);
  for (auto& byte : garbage) byte = static_cast<std::uint8_t>(rng());
  const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files = {
      {"garbage.json", garbage},
      {"empty.json", {}},
      {"not-a-model.json", {'{', '"', 'a', '"', ':', '1', '}'}},
      // Well-formed UBJSON, but not as XGBoost writes it (keys with an int8 length): XGBoost's
      // own message comes back.
      {"nlohmann.ubj", json::to_ubjson(json{{"learner", {{"objective", "x"}}}})},
      {"nested.json",
       [] {
         std::string text = "{\"learner\":" + std::string(100000, '[');
         return std::vector<std::uint8_t>(text.begin(), text.end());
       }()},
  };
  for (const auto& [name, bytes] : files) {
    test::write_bytes(dir.file(name), bytes);
    const auto error = load_error(dir.file(name));
    EXPECT_EQ(error.code, ErrorCode::invalid_input) << name;
    EXPECT_NE(error.message.find(name), std::string::npos) << error.message;
    EXPECT_GT(error.message.size(), dir.file(name).string().size() + 10) << error.message;
  }
}

TEST_F(XgboostBoosterTest, TruncatedModelsAreRefused) {
  test::TempDir dir;
  for (const char* name : {"whole.json", "whole.ubj"}) {
    ASSERT_TRUE(booster_->save_file(dir.file(name)).ok());
    const auto bytes = test::read_bytes(dir.file(name));
    // XGBoost 1.7 reads past the end of a truncated UBJSON buffer: these must not reach it.
    for (const std::size_t keep : {std::size_t{1}, std::size_t{2}, std::size_t{100},
                                   bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
      const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
      auto loaded = XgboostBooster::load_bytes(cut);
      ASSERT_FALSE(loaded.ok()) << name << " cut to " << keep;
      EXPECT_EQ(loaded.error().code, ErrorCode::invalid_input);
      EXPECT_FALSE(loaded.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace earshot::models
