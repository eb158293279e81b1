#include "cli/train_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "models/trainer.hpp"

namespace earshot::cli {
namespace {

struct TrainCommandOptions {
  std::string data_dir;
  std::string out_dir;
  std::string name;
  double seconds = 0.0;  // 0: whole files
  models::TrainOptions train;
};

void print_report(const models::TrainedFeatureModel& model) {
  std::printf("%zu training files, %zu validation files, %zu of %zu features kept\n",
              model.training_files, model.validation_files, model.scaler.feature_names.size(),
              model.scaler.feature_names.size() + model.dropped_features.size());
  for (const auto& skipped : model.skipped) std::printf("skipped %s\n", skipped.c_str());
  if (model.validation_files == 0) return;
  std::printf("validation accuracy %.4f\n", model.validation_accuracy);
  std::printf("%-24s %8s %10s %8s\n", "label", "files", "precision", "recall");
  for (const auto& score : model.scores) {
    std::printf("%-24s %8zu %10.4f %8.4f\n", score.label.c_str(), score.support, score.precision,
                score.recall);
  }
}

// The name of the --out folder ("models/pump3/" -> "pump3"), for a model given no --name.
std::string folder_name(const std::string& out_dir) {
  auto path = std::filesystem::path(out_dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  const std::string name = path.filename().string();
  return name == "." || name == ".." ? std::string() : name;
}

int run_train(TrainCommandOptions& options) {
  if (options.name.empty()) options.name = folder_name(options.out_dir);
  if (options.name.empty()) {
    std::cerr << "earshot train: give --name: the folder " << options.out_dir
              << " has no name to take\n";
    return 2;
  }
  options.train.data_dir = options.data_dir;
  if (options.seconds > 0.0) options.train.max_seconds = options.seconds;
  options.train.progress = [](std::size_t done, std::size_t total) {
    if (done == total || done % 50 == 0) std::fprintf(stderr, "features: %zu/%zu\n", done, total);
  };
  auto trained = models::train_feature_model(options.train);
  if (!trained) {
    std::cerr << "earshot train: " << trained.error().message << "\n";
    return 1;
  }
  print_report(*trained);
  if (auto written = models::write_feature_model(*trained, options.out_dir, options.name);
      !written) {
    std::cerr << "earshot train: " << written.error().message << "\n";
    return 1;
  }
  std::printf("wrote %s/models.json (model '%s')\n", options.out_dir.c_str(), options.name.c_str());
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TrainCommandOptions>();
  options->train.threads = std::max(1u, std::thread::hardware_concurrency());
  auto& train = options->train;
  CLI::App* command =
      app.add_subcommand("train", "Train an XGBoost feature model from DATA/<label>/<audio files>");
  command->add_option("data", options->data_dir, "Folder with one sub-folder per label")
      ->required()
      ->check(CLI::ExistingDirectory);
  command->add_option("--out", options->out_dir, "Folder to write the model into")->required();
  command->add_option("--name", options->name,
                      "Model name in the models.json entry (default: the --out folder's name)");
  command->add_option("--sample-rate", train.sample_rate, "Rate the features are computed at")
      ->check(CLI::Range(8000, 48000))
      ->capture_default_str();
  command->add_option("--seconds", options->seconds, "Read only the first seconds; 0: all")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  command
      ->add_option("--validation", train.validation_fraction,
                   "Share of each label's files held out")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  command->add_option("--rounds", train.xgboost.rounds, "Boosting rounds")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  command->add_option("--max-depth", train.xgboost.max_depth, "Tree depth")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  command->add_option("--learning-rate", train.xgboost.learning_rate, "eta")
      ->check(CLI::Range(0.001, 1.0))
      ->capture_default_str();
  command->add_option("--seed", train.seed, "Seed of the split and of XGBoost")
      ->capture_default_str();
  command->add_option("--threads", train.threads, "Threads for features and training")
      ->check(CLI::Range(1, 256));
  command->callback([options, &exit_code] {
    options->train.xgboost.threads = static_cast<int>(options->train.threads);
    exit_code = run_train(*options);
  });
}

}  // namespace earshot::cli
