#include "cli/progress_bar.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace earshot::cli {

namespace {
constexpr std::size_t kBarWidth = 30;
constexpr std::size_t kNameWidth = 40;
}  // namespace

ProgressBar::ProgressBar(std::size_t total)
    : total_(total), enabled_(total > 1 && isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && done_ > 0) std::fputs("\r\033[2K", stderr);
}

void ProgressBar::advance(std::string_view item) {
  ++done_;
  if (!enabled_) return;
  const std::size_t filled = total_ == 0 ? kBarWidth : done_ * kBarWidth / total_;
  std::string bar(filled, '=');
  bar.resize(kBarWidth, ' ');
  if (item.size() > kNameWidth) item = item.substr(item.size() - kNameWidth);
  std::fprintf(stderr, "\r\033[2K[%s] %zu/%zu %.*s", bar.c_str(), done_, total_,
               static_cast<int>(item.size()), item.data());
  std::fflush(stderr);
}

}  // namespace earshot::cli
