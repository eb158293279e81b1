// earshot's AST against the PyTorch reference (tools/reference/ast_reference.py, which follows
// transformers' ASTForAudioClassification): a small random checkpoint and its reference
// outputs are committed in tests/data/ast-small (its README says how they were made). Logits
// must agree within 1e-4 on every input, at any thread count and for F16 and BF16 copies of the
// weights; broken checkpoints are errors that name the tensor or key.
#include "models/ast_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/npy.hpp"
#include "models/ast_predictor.hpp"
#include "models/registry.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"

namespace earshot::models {
namespace {

const std::filesystem::path kData =
    std::filesystem::path(EARSHOT_SOURCE_DIR) / "tests/data/ast-small";

std::vector<float> npy(const std::string& name) {
  auto array = core::read_npy(kData / name);
  EXPECT_TRUE(array.ok()) << name;
  return array.ok() ? array->values : std::vector<float>{};
}

float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0.0f;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

TEST(AstModel, LogitsMatchTheReferenceOnEveryInputAndThreadCount) {
  auto model = AstModel::load(kData);
  ASSERT_TRUE(model.ok()) << model.error().message;
  const auto& config = model->config();
  EXPECT_EQ(config.num_hidden_layers, 2u);
  for (int k = 0; k < 3; ++k) {
    const auto input = npy("input_" + std::to_string(k) + ".npy");
    ASSERT_EQ(input.size(), config.max_length * config.num_mel_bins);
    const auto expected = npy("logits_" + std::to_string(k) + ".npy");
    const auto pooled_expected = npy("hidden_" + std::to_string(k) + ".npy");
    for (unsigned threads : {1u, 2u, 3u}) {
      AstModel::Workspace work;
      std::vector<float> logits(config.labels.size());
      std::vector<float> pooled(config.hidden_size);
      model->forward(input, logits, work, threads, pooled);
      EXPECT_LE(max_difference(pooled, pooled_expected), 1e-4f) << k << " threads " << threads;
      EXPECT_LE(max_difference(logits, expected), 1e-4f) << k << " threads " << threads;
    }
  }
}

TEST(AstModel, HalfPrecisionCheckpointsAreWidenedOnce) {
  for (const char* dtype : {"f16", "bf16"}) {
    test::TempDir dir;
    std::filesystem::copy_file(kData / "config.json", dir.file("config.json"));
    std::filesystem::copy_file(kData / (std::string("model_") + dtype + ".safetensors"),
                               dir.file("model.safetensors"));
    auto model = AstModel::load(dir.path());
    ASSERT_TRUE(model.ok()) << model.error().message;
    AstModel::Workspace work;
    std::vector<float> logits(model->config().labels.size());
    model->forward(npy("input_0.npy"), logits, work);
    EXPECT_LE(max_difference(logits, npy(std::string("logits_0_") + dtype + ".npy")), 1e-4f)
        << dtype;
  }
}

TEST(AstModel, BrokenCheckpointsNameWhatIsWrong) {
  test::TempDir dir;
  std::filesystem::copy_file(kData / "model.safetensors", dir.file("model.safetensors"));
  auto missing_config = AstModel::load(dir.path());
  ASSERT_FALSE(missing_config.ok());
  EXPECT_NE(missing_config.error().message.find("config.json"), std::string::npos);

  const std::string config = [] {
    auto bytes = test::read_bytes(kData / "config.json");
    return std::string(bytes.begin(), bytes.end());
  }();
  // More layers than the checkpoint holds: the first missing tensor is named.
  auto more_layers = nlohmann::json::parse(config);
  more_layers["num_hidden_layers"] = 3;
  test::write_text(dir.file("config.json"), more_layers.dump());
  auto missing_tensor = AstModel::load(dir.path());
  ASSERT_FALSE(missing_tensor.ok());
  EXPECT_NE(missing_tensor.error().message.find("encoder.layer.2."), std::string::npos)
      << missing_tensor.error().message;
  // Another hidden size: a mis-shaped tensor is named.
  auto wider = nlohmann::json::parse(config);
  wider["hidden_size"] = 32;
  test::write_text(dir.file("config.json"), wider.dump());
  auto misshaped = AstModel::load(dir.path());
  ASSERT_FALSE(misshaped.ok());
  EXPECT_NE(misshaped.error().message.find("patch_embeddings"), std::string::npos)
      << misshaped.error().message;
  auto no_labels = nlohmann::json::parse(config);
  no_labels.erase("id2label");
  EXPECT_FALSE(AstConfig::parse(no_labels.dump()).ok());
  EXPECT_FALSE(AstConfig::parse("[1, 2]").ok());
}

}  // namespace
}  // namespace earshot::models
