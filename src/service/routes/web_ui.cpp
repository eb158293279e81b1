#include "service/routes/web_ui.hpp"

#include <cstddef>

extern const unsigned char earshot_web_ui_html_bytes[];
extern const std::size_t earshot_web_ui_html_size;
extern const unsigned char earshot_web_ui_js_bytes[];
extern const std::size_t earshot_web_ui_js_size;
extern const unsigned char earshot_web_ui_css_bytes[];
extern const std::size_t earshot_web_ui_css_size;

namespace earshot::service {
namespace {

std::string_view text(const unsigned char* bytes, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes), size};
}

}  // namespace

std::optional<StaticFile> web_ui_file(std::string_view path) {
  if (path == "/ui" || path == "/ui/") {
    return StaticFile{"text/html; charset=utf-8",
                      text(earshot_web_ui_html_bytes, earshot_web_ui_html_size)};
  }
  if (path == "/ui/app.js") {
    return StaticFile{"text/javascript; charset=utf-8",
                      text(earshot_web_ui_js_bytes, earshot_web_ui_js_size)};
  }
  if (path == "/ui/style.css") {
    return StaticFile{"text/css; charset=utf-8",
                      text(earshot_web_ui_css_bytes, earshot_web_ui_css_size)};
  }
  return std::nullopt;
}

}  // namespace earshot::service
