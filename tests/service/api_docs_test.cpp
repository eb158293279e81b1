// The API description and its viewer: /openapi.json documents exactly the routes the server
// has, with every reference resolving, and /docs serves Swagger UI from a local folder only.
#include "service/routes/api_docs.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "service/routes/routes.hpp"
#include "support/test_files.hpp"

namespace earshot::service {
namespace {

ApiDocsOptions docs_config() {
  return {.title = "My <Audio> API", .version = "7.7.7", .swagger_ui_dir = {}};
}

nlohmann::json openapi() {
  auto docs = ApiDocs::load(docs_config());
  EXPECT_TRUE(docs.ok());
  return nlohmann::json::parse(docs->openapi_json());
}

// Every "$ref" in `node`, as JSON pointers ("#/components/...").
void collect_refs(const nlohmann::json& node, std::set<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref") refs.insert(value.get<std::string>());
      collect_refs(value, refs);
    }
  } else if (node.is_array()) {
    for (const auto& value : node) collect_refs(value, refs);
  }
}

TEST(OpenApi, IsOpenApi31WithTheConfiguredTitleAndVersion) {
  const auto doc = openapi();
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_EQ(doc["info"]["title"], "My <Audio> API");
  EXPECT_EQ(doc["info"]["version"], "7.7.7");
}

TEST(OpenApi, DocumentsExactlyTheServedRoutes) {
  const auto doc = openapi();
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, operations] : doc["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      // A stream's events are served by the route of the stream ("/streams/*").
      const std::string served_path =
          path.ends_with("/{id}/events") ? path.substr(0, path.size() - 7) : path;
      documented.insert({upper, served_path});
      EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
      EXPECT_TRUE(operation.contains("operationId")) << method << " " << path;
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const RouteInfo& route : Routes::table()) {
    std::string path(route.path);
    // A trailing * is the rest of the path: a file under /docs, an id under /jobs, /streams.
    if (path.ends_with("/*")) {
      const bool by_id = path.starts_with("/jobs") || path.starts_with("/streams");
      path = path.substr(0, path.size() - 1) + (by_id ? "{id}" : "{file}");
    }
    served.insert({std::string(route.method), path});
  }
  EXPECT_EQ(documented, served);
}

TEST(OpenApi, AnalysisRoutesDocumentEveryStatusTheyReturn) {
  const auto doc = openapi();
  for (const char* path : {"/analyze-audio", "/analyze"}) {
    const auto& responses = doc["paths"][path]["post"]["responses"];
    for (const char* status : {"200", "400", "413", "422", "500", "503", "504"}) {
      EXPECT_TRUE(responses.contains(status)) << path << " " << status;
    }
  }
  EXPECT_TRUE(doc["paths"]["/analyze"]["post"]["responses"].contains("415"));
}

TEST(OpenApi, EveryReferenceResolves) {
  const auto doc = openapi();
  std::set<std::string> refs;
  collect_refs(doc, refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/")) << ref;
    EXPECT_TRUE(doc.contains(nlohmann::json::json_pointer(ref.substr(1)))) << ref;
  }
}

TEST(OpenApi, AnalysisSchemaListsEveryFieldOfTheAnalyzerJson) {
  const auto doc = openapi();
  const auto& schema = doc["components"]["schemas"]["AnalysisData"];
  std::set<std::string> properties;
  for (const auto& [name, value] : schema["properties"].items()) properties.insert(name);
  analysis::AnalysisResult result;
  result.content.emplace();   // classification is on by default
  result.overview.emplace();  // with ?overview=true
  const auto analyzer_fields = analysis::to_json(result);
  std::set<std::string> fields;
  for (const auto& [name, value] : analyzer_fields.items()) fields.insert(name);
  EXPECT_EQ(properties, fields);
}

// A folder with files named like swagger-ui-dist's, each holding its own name.
void fake_swagger_ui(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const char* name :
       {"swagger-ui.css", "index.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
        "favicon-16x16.png", "favicon-32x32.png"}) {
    test::write_text(dir / name, std::string("content of ") + name);
  }
}

TEST(SwaggerUi, ServesThePageAndOnlyTheKnownFiles) {
  test::TempDir dir;
  fake_swagger_ui(dir.path() / "ui");
  ApiDocsOptions config = docs_config();
  config.swagger_ui_dir = dir.path() / "ui";
  auto docs = ApiDocs::load(config);
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  ASSERT_TRUE(docs->swagger_ui_available());

  const auto page = docs->file("/docs");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  const std::string html(page->body);
  EXPECT_NE(html.find("<title>My &lt;Audio&gt; API - API</title>"), std::string::npos) << html;
  EXPECT_NE(html.find("/docs/swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "nothing may come from another site";

  const auto css = docs->file("/docs/swagger-ui.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(css->body, "content of swagger-ui.css");
  const auto init = docs->file("/docs/earshot-docs.js");
  ASSERT_TRUE(init);
  EXPECT_NE(init->body.find("/openapi.json"), std::string::npos);

  EXPECT_FALSE(docs->file("/docs/../../etc/passwd"));
  EXPECT_FALSE(docs->file("/docs/package.json"));
  EXPECT_FALSE(docs->file("/docs/"));
}

TEST(SwaggerUi, AConfiguredFolderWithoutSwaggerUiIsAnError) {
  test::TempDir dir;
  ApiDocsOptions config = docs_config();
  config.swagger_ui_dir = dir.path();
  auto docs = ApiDocs::load(config);
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(docs.error().message.find("SWAGGER_UI_DIR"), std::string::npos);
}

TEST(SwaggerUi, TheCopyInstalledBySetupIsFound) {
  // scripts/setup installs swagger-ui-dist into web/node_modules; the build knows the source
  // tree, so a build and its tests find it without any setting.
  auto docs = ApiDocs::load(docs_config());
  ASSERT_TRUE(docs.ok());
  ASSERT_TRUE(docs->swagger_ui_available()) << "run scripts/setup to install swagger-ui-dist";
  EXPECT_EQ(docs->swagger_ui_dir().filename(), "swagger-ui-dist");
  const auto bundle = docs->file("/docs/swagger-ui-bundle.js");
  ASSERT_TRUE(bundle);
  EXPECT_GT(bundle->body.size(), 100'000u);
  EXPECT_NE(bundle->body.find("SwaggerUIBundle"), std::string::npos);
}

}  // namespace
}  // namespace earshot::service
