// Error -> HTTP mapping: every code's status, and bodies byte-identical to FastAPI's.
#include "service/http/http_errors.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace earshot::service {
namespace {

using core::Error;
using core::ErrorCode;

TEST(HttpErrors, EveryCodeHasItsStatus) {
  EXPECT_EQ(http_status(ErrorCode::invalid_input), 400);
  EXPECT_EQ(http_status(ErrorCode::unsupported_format), 400);
  EXPECT_EQ(http_status(ErrorCode::decode_failed), 400);
  EXPECT_EQ(http_status(ErrorCode::too_large), 413);
  EXPECT_EQ(http_status(ErrorCode::not_found), 404);
  EXPECT_EQ(http_status(ErrorCode::unavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::io), 500);
  EXPECT_EQ(http_status(ErrorCode::download_failed), 400);
  EXPECT_EQ(http_status(ErrorCode::internal), 500);
}

TEST(HttpErrors, ClientErrorsCarryTheMessageAsDetail) {
  const auto r = error_response(Error{ErrorCode::too_large, "File exceeds 200 MB."});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, R"({"detail":"File exceeds 200 MB."})");

  const auto model = error_response(Error{ErrorCode::invalid_input, "Unknown model \"x\"."});
  EXPECT_EQ(model.status, 400);
  EXPECT_EQ(model.body, R"({"detail":"Unknown model \"x\"."})");

  const auto download = error_response(Error{ErrorCode::download_failed, "Download timed out"});
  EXPECT_EQ(download.status, 400);
  EXPECT_EQ(download.body, R"({"detail":"Download timed out"})");
}

TEST(HttpErrors, ServerErrorsNeverShowTheMessage) {
  for (const ErrorCode code : {ErrorCode::io, ErrorCode::internal}) {
    const auto r = error_response(Error{code, "secret /var/lib/earshot/path failed"});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, R"({"detail":"An internal server error occurred."})");
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
  }
  EXPECT_EQ(internal_error_response().body, R"({"detail":"An internal server error occurred."})");
  EXPECT_EQ(detail_response(500, "boom at /x").body,
            R"({"detail":"An internal server error occurred."})");
}

TEST(HttpErrors, DetailResponseForRoutes) {
  const auto r = detail_response(404, "Not Found");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"detail":"Not Found"})");
  // A route's own 503 text is safe to show; only 500 hides its message.
  EXPECT_EQ(detail_response(503, "Server busy").body, R"({"detail":"Server busy"})");
}

TEST(HttpErrors, InvalidUtf8InAMessageDoesNotThrow) {
  const auto r = error_response(Error{ErrorCode::invalid_input, "bad \xff name"});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"detail\":\"bad \xEF\xBF\xBD name\"}");
}

TEST(HttpErrors, ValidationErrorHasFastApiShape) {
  const auto r =
      validation_error({"body", "audio_url"}, "field required", validation_type::missing);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body, R"({"detail":[{"loc":["body","audio_url"],"msg":"field required",)"
                    R"("type":"value_error.missing"}]})");
}

TEST(HttpErrors, ValidationLocationsMayHoldIndices) {
  const auto r = validation_error({"body", 0}, "Expecting value: line 1 column 1 (char 0)",
                                  validation_type::json_decode);
  const auto json = nlohmann::json::parse(r.body);
  EXPECT_EQ(json["detail"][0]["loc"], nlohmann::json::parse(R"(["body",0])"));
  EXPECT_EQ(json["detail"][0]["type"], "value_error.jsondecode");
}

TEST(HttpErrors, SeveralValidationIssuesInOrder) {
  const auto r = validation_errors({
      {{"body", "audio_url"}, "invalid or missing URL scheme", "value_error.url.scheme"},
      {{"body", "model"}, "str type expected", "type_error.str"},
  });
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body,
            R"({"detail":[)"
            R"({"loc":["body","audio_url"],"msg":"invalid or missing URL scheme",)"
            R"("type":"value_error.url.scheme"},)"
            R"({"loc":["body","model"],"msg":"str type expected","type":"type_error.str"}]})");
}

TEST(HttpErrors, TypeStringsMatchPydanticV1) {
  EXPECT_EQ(validation_type::missing, "value_error.missing");
  EXPECT_EQ(validation_type::json_decode, "value_error.jsondecode");
  EXPECT_EQ(validation_type::url_scheme, "value_error.url.scheme");
  EXPECT_EQ(validation_type::not_string, "type_error.str");
}

}  // namespace
}  // namespace earshot::service
