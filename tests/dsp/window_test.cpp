// Windows: closed forms at known points, symmetry conventions, and the golden windows of
// tools/reference (torch.*_window and Kaldi's feature_window_function).
#include "dsp/spectral/window.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "support/reference.hpp"

namespace earshot::dsp {
namespace {

TEST(Window, PeriodicHannIsSymmetricHannOfOneMorePoint) {
  const auto periodic = make_window(WindowType::hann, 8, WindowSymmetry::periodic);
  const auto symmetric = make_window(WindowType::hann, 9, WindowSymmetry::symmetric);
  for (std::size_t i = 0; i < periodic.size(); ++i) EXPECT_FLOAT_EQ(periodic[i], symmetric[i]);
  EXPECT_FLOAT_EQ(periodic[0], 0.0f);
  EXPECT_FLOAT_EQ(periodic[4], 1.0f);
}

TEST(Window, SymmetricWindowsReachTheirEndValuesAtBothEnds) {
  for (auto type :
       {WindowType::hann, WindowType::hamming, WindowType::povey, WindowType::blackman}) {
    const auto w = make_window(type, 11, WindowSymmetry::symmetric);
    EXPECT_NEAR(w.front(), w.back(), 1e-7);
    EXPECT_NEAR(w[5], 1.0f, 1e-6);
  }
  EXPECT_NEAR(make_window(WindowType::hamming, 11, WindowSymmetry::symmetric)[0], 0.08f, 1e-7);
}

TEST(Window, RectangularAndLengthOne) {
  EXPECT_EQ(make_window(WindowType::rectangular, 3, WindowSymmetry::periodic),
            (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(make_window(WindowType::hann, 1, WindowSymmetry::periodic), (std::vector<float>{1}));
}

TEST(Window, Names) {
  EXPECT_EQ(parse_window_type("hanning"), WindowType::hann);
  EXPECT_EQ(parse_window_type("povey"), WindowType::povey);
  EXPECT_FALSE(parse_window_type("kaiser").has_value());
}

TEST(Window, MatchesTheReferenceWindows) {
  const auto cases = test::load_reference_cases("window");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto type = parse_window_type(c.params.at("window").get<std::string>());
    ASSERT_TRUE(type.has_value());
    const bool periodic = c.params.value("window_periodic", true);
    const auto w = make_window(*type, static_cast<int>(c.expected.values.size()),
                               periodic ? WindowSymmetry::periodic : WindowSymmetry::symmetric);
    EXPECT_LE(test::max_absolute_error(w, c.expected.values), 1e-6);
  }
}

}  // namespace
}  // namespace earshot::dsp
