// `earshot models list` and `earshot predict --model NAME FILE...`: the model registry from the
// command line, read exactly as `earshot serve` reads it (MODELS_CONFIG_PATH or
// MODELS_CONFIG_JSON from the environment or a .env file, or --config).
//   models list   one JSON object: {"models": [...], "default_model": "..."}, as GET /models
//   predict       one JSON object per file (JSON Lines), in the order given, as
//                 POST /predict-anomaly answers plus "file"; a failed file gives
//                 {"file", "error": {"code", "message"}} and exit code 1
#pragma once

namespace CLI {
class App;
}

namespace earshot::cli {

void add_models_command(CLI::App& app, int& exit_code);
void add_predict_command(CLI::App& app, int& exit_code);

}  // namespace earshot::cli
