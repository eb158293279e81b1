#include "models/registry_json.hpp"

namespace earshot::models {

nlohmann::ordered_json registry_json(const Registry& registry) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& model : registry.models()) {
    const auto& info = model->info();
    list.push_back({{"name", info.name},
                    {"predictor", info.predictor},
                    {"feature_extractor", info.feature_extractor},
                    {"labels", info.labels},
                    {"description", info.description}});
  }
  return {{"models", std::move(list)}, {"default_model", registry.default_model().info().name}};
}

}  // namespace earshot::models
