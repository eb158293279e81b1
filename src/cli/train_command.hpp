// `earshot train DATA --out DIR --name NAME`: an XGBoost model over earshot-features-v1 from a
// folder with one sub-folder of audio files per label (models/trainer.hpp), with no Python.
// Prints the validation split's per-class precision and recall, and writes the model, its
// scaler, label encoder, dropped features, training report and a ready models.json entry.
#pragma once

namespace CLI {
class App;
}

namespace earshot::cli {

void add_train_command(CLI::App& app, int& exit_code);

}  // namespace earshot::cli
