// A one-line progress bar on stderr for runs over many files. It draws only when stderr is a
// terminal, so piped or redirected output stays clean.
#pragma once

#include <cstddef>
#include <string_view>

namespace earshot::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::size_t total);
  ~ProgressBar();  // erases the bar
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(std::string_view item);  // one more item done

 private:
  std::size_t total_;
  std::size_t done_ = 0;
  bool enabled_;
};

}  // namespace earshot::cli
