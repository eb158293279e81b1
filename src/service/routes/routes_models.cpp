// The model registry's routes: GET /models, POST /predict-anomaly, POST /models/reload (the
// contract is in routes.hpp).
#include <chrono>
#include <exception>

#include "models/audio_prediction.hpp"
#include "models/prediction_json.hpp"
#include "models/registry_json.hpp"
#include "service/http/http_headers.hpp"
#include "service/http/request_parsing.hpp"
#include "service/routes/route_responses.hpp"
#include "service/routes/routes.hpp"

namespace earshot::service {
namespace {

nlohmann::ordered_json prediction_json(const std::string& model_name,
                                       const models::Prediction& prediction, double latency_ms) {
  nlohmann::ordered_json body{{"model_name", model_name}};
  models::write_prediction(prediction, body);
  body["latency_ms"] = latency_ms;
  return body;
}

}  // namespace

Dispatch Routes::list_models(HttpRequest&) const {
  return now("/models", json_ok(models::registry_json(*catalog_->current())));
}

Dispatch Routes::reload_models(HttpRequest&) const {
  constexpr std::string_view kRoute = "/models/reload";
  // Loading reads and checks every model file: work for the pool, not for an Asio thread.
  return Dispatch{
      kRoute, std::nullopt, [this]() -> HttpResponse {
        auto registry = catalog_->reload();
        if (!registry) {
          return HttpResponse::from(detail_response(kBadRequest,
                                                    "Registry not reloaded (the previous one "
                                                    "still serves): " +
                                                        registry.error().message));
        }
        auto body = models::registry_json(**registry);
        nlohmann::ordered_json names = nlohmann::ordered_json::array();
        for (const auto& model : body["models"]) names.push_back(model["name"]);
        return json_ok({{"status", "reloaded"},
                        {"models", std::move(names)},
                        {"default_model", body["default_model"]}});
      }};
}

Dispatch Routes::predict_anomaly(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/predict-anomaly";
  auto body = std::make_shared<const std::string>(std::move(request.body));
  auto registry = catalog_->current();
  const auto requested = query_parameter(request.target, "model_name");
  // The registry rides along: a reload while this runs does not free the model under it.
  return Dispatch{
      kRoute, std::nullopt,
      [this, body, content_type = std::move(request.content_type), registry,
       requested]() -> HttpResponse {
        // As FastAPI did: the form is validated (422) before the handler looks at the model name.
        auto file = uploaded_file(*body, content_type);
        if (auto* error = std::get_if<HttpErrorResponse>(&file)) {
          return HttpResponse::from(std::move(*error));
        }
        const models::Model* model = requested && !requested->empty() ? registry->find(*requested)
                                                                      : &registry->default_model();
        if (!model) {
          return HttpResponse::from(detail_response(
              kBadRequest, "Unknown model '" + *requested + "'. Available: " + registry->names()));
        }
        const auto audio = std::get<std::string_view>(file);
        const auto bytes =
            std::span(reinterpret_cast<const std::uint8_t*>(audio.data()), audio.size());
        try {
          const auto start = std::chrono::steady_clock::now();
          auto prediction = models::predict_bytes(*model, bytes, {});
          const double latency_ms =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
          metrics_->analysis_seconds.observe({}, latency_ms / 1000.0);
          if (!prediction) return error_of(prediction.error());
          return json_ok(prediction_json(model->info().name, *prediction, latency_ms));
        } catch (const std::exception& e) {
          return internal_error(std::string("prediction threw: ") + e.what());
        }
      }};
}

}  // namespace earshot::service
