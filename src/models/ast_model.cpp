#include "models/ast_model.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nn/parallel.hpp"

namespace earshot::models {
namespace {

using core::Error;
using core::ErrorCode;

constexpr const char* kPrefix = "audio_spectrogram_transformer.";

Error invalid(const std::string& what) {
  return Error{ErrorCode::invalid_input, what};
}

core::Result<std::size_t> positive(const nlohmann::json& config, const char* key,
                                   std::size_t fallback) {
  if (!config.contains(key)) return fallback;
  const auto& value = config[key];
  if (!value.is_number_integer() || value.get<long long>() <= 0 ||
      value.get<long long>() > (1LL << 20)) {
    return invalid(std::string("config.json: ") + key + " must be a positive integer");
  }
  return static_cast<std::size_t>(value.get<long long>());
}

}  // namespace

core::Result<AstConfig> AstConfig::parse(std::string_view json_text) {
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return invalid("config.json: not a JSON object");
  AstConfig config;
  struct Field {
    const char* key;
    std::size_t* target;
  };
  for (const auto& [key, target] :
       std::initializer_list<Field>{{"hidden_size", &config.hidden_size},
                                    {"num_hidden_layers", &config.num_hidden_layers},
                                    {"num_attention_heads", &config.num_attention_heads},
                                    {"intermediate_size", &config.intermediate_size},
                                    {"patch_size", &config.patch_size},
                                    {"frequency_stride", &config.frequency_stride},
                                    {"time_stride", &config.time_stride},
                                    {"max_length", &config.max_length},
                                    {"num_mel_bins", &config.num_mel_bins}}) {
    auto value = positive(json, key, *target);
    if (!value) return value.error();
    *target = *value;
  }
  if (json.contains("layer_norm_eps")) {
    if (!json["layer_norm_eps"].is_number() || !(json["layer_norm_eps"].get<double>() > 0.0)) {
      return invalid("config.json: layer_norm_eps must be a positive number");
    }
    config.layer_norm_eps = json["layer_norm_eps"].get<double>();
  }
  if (json.contains("hidden_act") && json["hidden_act"] != "gelu") {
    return invalid("config.json: hidden_act must be \"gelu\"");
  }
  if (config.hidden_size % config.num_attention_heads != 0) {
    return invalid("config.json: num_attention_heads must divide hidden_size");
  }
  if (!json.contains("id2label") || !json["id2label"].is_object() || json["id2label"].empty()) {
    return invalid("config.json: id2label is missing");
  }
  const auto& names = json["id2label"];
  config.labels.resize(names.size());
  for (const auto& [index, label] : names.items()) {
    std::size_t i = 0;
    const auto parsed = std::from_chars(index.data(), index.data() + index.size(), i);
    if (parsed.ec != std::errc() || parsed.ptr != index.data() + index.size() ||
        i >= config.labels.size() || !label.is_string() || !config.labels[i].empty()) {
      return invalid("config.json: id2label must map 0..n-1 to label names");
    }
    config.labels[i] = label.get<std::string>();
  }
  if (config.frequency_patches() == 0 || config.time_patches() == 0) {
    return invalid("config.json: patch_size is larger than the input");
  }
  return config;
}

std::size_t AstConfig::frequency_patches() const {
  return num_mel_bins < patch_size ? 0 : (num_mel_bins - patch_size) / frequency_stride + 1;
}

std::size_t AstConfig::time_patches() const {
  return max_length < patch_size ? 0 : (max_length - patch_size) / time_stride + 1;
}

core::Result<AstModel> AstModel::load(const std::filesystem::path& folder) {
  std::ifstream in(folder / "config.json", std::ios::binary);
  if (!in) return Error{ErrorCode::not_found, (folder / "config.json").string() + ": cannot open"};
  std::stringstream text;
  text << in.rdbuf();
  auto config = AstConfig::parse(text.str());
  if (!config) return config.error();
  auto tensors = nn::SafeTensors::load_file(folder / "model.safetensors");
  if (!tensors) return tensors.error();
  return load(*config, *tensors);
}

core::Result<AstModel> AstModel::load(const AstConfig& config, const nn::SafeTensors& tensors) {
  const std::string embeddings = std::string(kPrefix) + "embeddings.";
  const std::size_t hidden = config.hidden_size;
  AstModel model;
  model.config_ = config;
  auto patches = nn::PatchEmbedding::load(tensors, embeddings + "patch_embeddings.projection",
                                          hidden, config.patch_size);
  if (!patches) return patches.error();
  model.patches_ = std::move(*patches);
  auto cls = tensors.tensor(embeddings + "cls_token", std::vector<std::size_t>{1, 1, hidden});
  if (!cls) return cls.error();
  auto distillation =
      tensors.tensor(embeddings + "distillation_token", std::vector<std::size_t>{1, 1, hidden});
  if (!distillation) return distillation.error();
  auto positions = tensors.tensor(embeddings + "position_embeddings",
                                  std::vector<std::size_t>{1, config.tokens(), hidden});
  if (!positions) return positions.error();
  model.cls_ = std::move(cls->values);
  model.distillation_ = std::move(distillation->values);
  model.positions_ = std::move(positions->values);

  const double eps = config.layer_norm_eps;
  for (std::size_t i = 0; i < config.num_hidden_layers; ++i) {
    const std::string layer = std::string(kPrefix) + "encoder.layer." + std::to_string(i) + ".";
    auto before = nn::LayerNorm::load(tensors, layer + "layernorm_before", hidden, eps);
    if (!before) return before.error();
    auto after = nn::LayerNorm::load(tensors, layer + "layernorm_after", hidden, eps);
    if (!after) return after.error();
    auto attention =
        nn::SelfAttention::load(tensors, layer + "attention", hidden, config.num_attention_heads);
    if (!attention) return attention.error();
    auto intermediate = nn::Linear::load(tensors, layer + "intermediate.dense");
    if (!intermediate) return intermediate.error();
    auto output = nn::Linear::load(tensors, layer + "output.dense");
    if (!output) return output.error();
    if (intermediate->inputs() != hidden || intermediate->outputs() != config.intermediate_size ||
        output->inputs() != config.intermediate_size || output->outputs() != hidden) {
      return invalid("safetensors: " + layer + "intermediate.dense / output.dense do not match " +
                     "hidden_size and intermediate_size");
    }
    model.layers_.push_back(Layer{std::move(*before), std::move(*after), std::move(*attention),
                                  std::move(*intermediate), std::move(*output)});
  }
  auto final_norm = nn::LayerNorm::load(tensors, std::string(kPrefix) + "layernorm", hidden, eps);
  if (!final_norm) return final_norm.error();
  auto head_norm = nn::LayerNorm::load(tensors, "classifier.layernorm", hidden, eps);
  if (!head_norm) return head_norm.error();
  auto head = nn::Linear::load(tensors, "classifier.dense");
  if (!head) return head.error();
  if (head->inputs() != hidden || head->outputs() != config.labels.size()) {
    return invalid("safetensors: classifier.dense is not " + std::to_string(config.labels.size()) +
                   " x " + std::to_string(hidden) + " (labels x hidden_size)");
  }
  model.final_norm_ = std::move(*final_norm);
  model.head_norm_ = std::move(*head_norm);
  model.head_ = std::move(*head);
  return model;
}

void AstModel::forward(std::span<const float> input, std::span<float> logits, Workspace& work,
                       unsigned threads, std::span<float> pooled) const {
  const auto& c = config_;
  const std::size_t hidden = c.hidden_size;
  const std::size_t tokens = c.tokens();
  const std::size_t size = tokens * hidden;
  work.hidden.resize(size);
  work.normed.resize(size);
  work.attended.resize(size);
  work.intermediate.resize(tokens * c.intermediate_size);

  // Embeddings: CLS, distillation, then the patches; plus the position embeddings.
  std::copy(cls_.begin(), cls_.end(), work.hidden.begin());
  std::copy(distillation_.begin(), distillation_.end(), work.hidden.begin() + hidden);
  patches_.forward(input, c.max_length, c.num_mel_bins, c.frequency_stride, c.time_stride,
                   std::span(work.hidden).subspan(2 * hidden), work.columns, threads);
  for (std::size_t i = 0; i < size; ++i) work.hidden[i] += positions_[i];

  auto add = [&](std::span<const float> from) {
    nn::for_each_block(size, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) work.hidden[i] += from[i];
    });
  };
  auto rows = [&](const nn::LayerNorm& norm, std::span<const float> x, std::span<float> y) {
    nn::for_each_block(tokens, threads, [&](std::size_t begin, std::size_t end) {
      norm.forward_rows(x.subspan(begin * hidden, (end - begin) * hidden), end - begin,
                        y.subspan(begin * hidden, (end - begin) * hidden));
    });
  };
  for (const Layer& layer : layers_) {
    rows(layer.before, work.hidden, work.normed);
    layer.attention.forward(work.normed, tokens, work.attended, work.attention, threads);
    add(work.attended);
    rows(layer.after, work.hidden, work.normed);
    layer.intermediate.forward_rows(work.normed, tokens, work.intermediate, threads);
    nn::for_each_block(tokens, threads, [&](std::size_t begin, std::size_t end) {
      const std::size_t width = c.intermediate_size;
      nn::gelu(std::span(work.intermediate).subspan(begin * width, (end - begin) * width));
    });
    layer.output.forward_rows(work.intermediate, tokens, work.attended, threads);
    add(work.attended);
  }
  // Only the two first tokens are read after the encoder.
  work.first.resize(2 * hidden);
  work.pooled.resize(hidden);
  final_norm_.forward_rows(std::span(work.hidden).first(2 * hidden), 2, work.first);
  for (std::size_t i = 0; i < hidden; ++i) {
    work.pooled[i] = (work.first[i] + work.first[hidden + i]) / 2.0f;
  }
  if (!pooled.empty()) std::copy(work.pooled.begin(), work.pooled.end(), pooled.begin());
  head_norm_.forward_rows(work.pooled, 1, work.pooled);
  head_.forward(work.pooled, logits);
}

}  // namespace earshot::models
