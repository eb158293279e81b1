// Framing: frame counts and virtual padding follow librosa / torch.stft / numpy.pad.
#include "dsp/spectral/framing.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace earshot::dsp {
namespace {

std::vector<float> frame_of(const std::vector<float>& x, std::size_t index, FramingOptions o) {
  std::vector<float> out(static_cast<std::size_t>(o.frame_length));
  copy_frame(x, index, o, out);
  return out;
}

TEST(Framing, CentredCountIsOnePlusSamplesOverHop) {
  FramingOptions o{.frame_length = 2048, .hop_length = 512, .center = true};
  EXPECT_EQ(frame_count(22050, o), 1u + 22050 / 512);
  EXPECT_EQ(frame_count(0, o), 1u);
}

TEST(Framing, CentredCountOfAnOddLengthFollowsTorchStft) {
  // torch.stft(center=True) pads 2 samples each side of a length-5 frame: 1 + (n + 4 - 5) / hop.
  FramingOptions o{.frame_length = 5, .hop_length = 2, .center = true};
  EXPECT_EQ(frame_count(10, o), 1u + (10 + 4 - 5) / 2);
  EXPECT_EQ(frame_count(1, o), 1u);
}

TEST(Framing, UncentredCountHasOnlyWholeFrames) {
  FramingOptions o{.frame_length = 400, .hop_length = 160, .center = false};
  EXPECT_EQ(frame_count(16000, o), 1u + (16000 - 400) / 160);
  EXPECT_EQ(frame_count(399, o), 0u);
  EXPECT_EQ(frame_count(400, o), 1u);
}

TEST(Framing, ReflectMirrorsWithoutRepeatingTheEdge) {
  const std::vector<float> x = {1, 2, 3, 4, 5};
  FramingOptions o{
      .frame_length = 4, .hop_length = 2, .center = true, .pad_mode = PadMode::reflect};
  // numpy.pad([1,2,3,4,5], 2, mode="reflect") = [3,2,1,2,3,4,5,4,3]
  EXPECT_EQ(frame_of(x, 0, o), (std::vector<float>{3, 2, 1, 2}));
  EXPECT_EQ(frame_of(x, 2, o), (std::vector<float>{3, 4, 5, 4}));
}

TEST(Framing, ConstantPadsZerosAndEdgeRepeats) {
  const std::vector<float> x = {1, 2, 3};
  FramingOptions o{.frame_length = 4, .hop_length = 1, .center = true};
  EXPECT_EQ(frame_of(x, 0, o), (std::vector<float>{0, 0, 1, 2}));
  o.pad_mode = PadMode::edge;
  EXPECT_EQ(frame_of(x, 0, o), (std::vector<float>{1, 1, 1, 2}));
  EXPECT_EQ(frame_of(x, 3, o), (std::vector<float>{2, 3, 3, 3}));
}

TEST(Framing, ReflectOfASignalShorterThanThePadKeepsReflecting) {
  // numpy.pad([1,2], 3, mode="reflect") = [2,1,2,1,2,1,2,1]
  const std::vector<float> x = {1, 2};
  FramingOptions o{
      .frame_length = 6, .hop_length = 1, .center = true, .pad_mode = PadMode::reflect};
  EXPECT_EQ(frame_of(x, 0, o), (std::vector<float>{2, 1, 2, 1, 2, 1}));
}

TEST(Framing, InvalidOptionsAreRefused) {
  EXPECT_FALSE(validate(FramingOptions{.frame_length = 0}).ok());
  EXPECT_FALSE(validate(FramingOptions{.hop_length = 0}).ok());
  EXPECT_EQ(validate(FramingOptions{.hop_length = -1}).error().code,
            core::ErrorCode::invalid_input);
  EXPECT_TRUE(validate(FramingOptions{}).ok());
}

TEST(Framing, PadModeNames) {
  EXPECT_EQ(parse_pad_mode("reflect"), PadMode::reflect);
  EXPECT_EQ(parse_pad_mode("constant"), PadMode::constant);
  EXPECT_EQ(parse_pad_mode("edge"), PadMode::edge);
  EXPECT_FALSE(parse_pad_mode("wrap").has_value());
}

}  // namespace
}  // namespace earshot::dsp
