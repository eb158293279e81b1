// The registry as `GET /models` and `earshot models list` write it:
// {"models": [{"name", "predictor", "feature_extractor", "labels", "description"}, ...],
//  "default_model": name}.
#pragma once

#include <nlohmann/json.hpp>

#include "models/registry.hpp"

namespace earshot::models {

nlohmann::ordered_json registry_json(const Registry& registry);

}  // namespace earshot::models
