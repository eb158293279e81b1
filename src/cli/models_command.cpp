#include "cli/models_command.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/audio_prediction.hpp"
#include "models/prediction_json.hpp"
#include "models/registry_json.hpp"
#include "service/app/app.hpp"
#include "service/config/env_file.hpp"
#include "service/pipeline/model_catalog.hpp"

namespace earshot::cli {
namespace {

struct RegistryOptions {
  std::optional<std::string> config;    // overrides MODELS_CONFIG_PATH
  std::optional<std::string> env_file;  // default: ./.env when present
  std::optional<int> threads;           // overrides MODEL_THREADS
};

void add_registry_options(CLI::App& command, RegistryOptions& options) {
  command.add_option("--config", options.config,
                     "Model registry file (default: MODELS_CONFIG_PATH, else config/models.json)");
  command.add_option("--env-file", options.env_file,
                     "A .env file to read (default: ./.env when present)");
}

// The registry as the service would load it; prints the reason and returns null on failure.
std::shared_ptr<const models::Registry> load_registry(const RegistryOptions& options) {
  std::map<std::string, std::string> flags;
  if (options.config) flags["MODELS_CONFIG_PATH"] = *options.config;
  if (options.threads) flags["MODEL_THREADS"] = std::to_string(*options.threads);
  std::optional<std::filesystem::path> env_file =
      options.env_file ? std::optional<std::filesystem::path>(*options.env_file)
                       : service::find_default_env_file(".");
  auto config = service::load_config(service::ProcessEnv{}, env_file, flags);
  if (!config) {
    std::cerr << "earshot: " << config.error().message << "\n";
    return nullptr;
  }
  auto catalog = app::load_catalog(*config);
  if (!catalog) {
    std::cerr << "earshot: " << catalog.error().message << "\n";
    return nullptr;
  }
  return (*catalog)->current();
}

int run_list(const RegistryOptions& options) {
  const auto registry = load_registry(options);
  if (!registry) return 1;
  std::cout << models::registry_json(*registry).dump() << "\n";
  return 0;
}

struct PredictOptions {
  RegistryOptions registry;
  std::optional<std::string> model;  // default: the registry's default
  std::vector<std::string> files;
};

int run_predict(const PredictOptions& options) {
  const auto registry = load_registry(options.registry);
  if (!registry) return 1;
  const models::Model* model =
      options.model ? registry->find(*options.model) : &registry->default_model();
  if (!model) {
    std::cerr << "earshot: unknown model '" << *options.model
              << "'. Available: " << registry->names() << "\n";
    return 2;
  }
  int exit_code = 0;
  for (const auto& file : options.files) {
    nlohmann::ordered_json line{{"file", file}};
    const auto start = std::chrono::steady_clock::now();
    auto prediction = models::predict_file(*model, file, {});
    if (prediction) {
      line["model_name"] = model->info().name;
      models::write_prediction(*prediction, line);
      line["latency_ms"] =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
    } else {
      line["error"] = {{"code", core::to_string(prediction.error().code)},
                       {"message", prediction.error().message}};
      exit_code = 1;
    }
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return exit_code;
}

}  // namespace

void add_models_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RegistryOptions>();
  CLI::App* command = app.add_subcommand("models", "The model registry (models.json)");
  command->require_subcommand(1);
  CLI::App* list = command->add_subcommand("list", "List the models and the default one (JSON)");
  add_registry_options(*list, *options);
  list->callback([options, &exit_code] { exit_code = run_list(*options); });
}

void add_predict_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PredictOptions>();
  CLI::App* command =
      app.add_subcommand("predict", "Classify files with a model of the registry (JSON Lines)");
  command->add_option("--model", options->model, "Model name (default: the registry's default)");
  command
      ->add_option("--threads", options->registry.threads,
                   "Threads one prediction of an ast model uses (MODEL_THREADS)")
      ->check(CLI::Range(1, 256));
  add_registry_options(*command, options->registry);
  command->add_option("files", options->files, "Audio files")->required();
  command->callback([options, &exit_code] { exit_code = run_predict(*options); });
}

}  // namespace earshot::cli
