// .npy I/O: what write_npy produces reads back identically, files numpy wrote (the committed
// reference data) read correctly, and anything but little-endian float32 in C order is refused.
#include "core/npy.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/test_files.hpp"

namespace earshot::core {
namespace {

std::filesystem::path write_to(const test::TempDir& dir, const std::string& name,
                               const std::vector<float>& values,
                               const std::vector<std::size_t>& shape) {
  const auto path = dir.file(name);
  std::ofstream out(path, std::ios::binary);
  EXPECT_TRUE(write_npy(out, values, shape).ok());
  return path;
}

TEST(Npy, RoundTripsMatricesVectorsAndScalars) {
  test::TempDir dir;
  const std::vector<float> matrix = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  for (const auto& shape : std::vector<std::vector<std::size_t>>{{2, 3}, {6}, {3, 1, 2}}) {
    auto array = read_npy(write_to(dir, "a.npy", matrix, shape));
    ASSERT_TRUE(array.ok()) << array.error().message;
    EXPECT_EQ(array->shape, shape);
    EXPECT_EQ(array->values, matrix);
  }
  auto scalar = read_npy(write_to(dir, "s.npy", {42.0f}, {}));
  ASSERT_TRUE(scalar.ok());
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->values, std::vector<float>{42.0f});
}

TEST(Npy, HeaderIsWhatNumpyWritesAndPadsDataTo64Bytes) {
  std::ostringstream out;
  ASSERT_TRUE(write_npy(out, std::vector<float>(4, 1.0f), {4}).ok());
  const std::string bytes = out.str();
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_NE(bytes.find("'descr': '<f4', 'fortran_order': False, 'shape': (4,)"), std::string::npos);
  EXPECT_EQ((bytes.size() - 4 * sizeof(float)) % 64, 0u);
}

TEST(Npy, ShapeThatDoesNotMatchTheValuesIsABug) {
  std::ostringstream out;
  EXPECT_EQ(write_npy(out, std::vector<float>(5), {2, 3}).error().code, ErrorCode::internal);
}

TEST(Npy, RefusesOtherDtypesOrdersAndNonNpyFiles) {
  test::TempDir dir;
  test::write_text(dir.file("text.npy"), "not numpy at all");
  EXPECT_EQ(read_npy(dir.file("text.npy")).error().code, ErrorCode::invalid_input);

  std::ostringstream out;
  ASSERT_TRUE(write_npy(out, std::vector<float>(2), {2}).ok());
  std::string f8 = out.str();
  f8.replace(f8.find("<f4"), 3, "<f8");
  test::write_text(dir.file("f8.npy"), f8);
  EXPECT_EQ(read_npy(dir.file("f8.npy")).error().code, ErrorCode::invalid_input);

  std::string fortran = out.str();
  fortran.replace(fortran.find("False"), 5, "True ");
  test::write_text(dir.file("fortran.npy"), fortran);
  EXPECT_EQ(read_npy(dir.file("fortran.npy")).error().code, ErrorCode::invalid_input);

  const std::string truncated = out.str().substr(0, out.str().size() - 3);
  test::write_text(dir.file("short.npy"), truncated);
  EXPECT_EQ(read_npy(dir.file("short.npy")).error().code, ErrorCode::invalid_input);

  EXPECT_EQ(read_npy(dir.file("missing.npy")).error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace earshot::core
