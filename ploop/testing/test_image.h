// Helpers for tests of ploop images: small images (4 KiB clusters), writes
// of recognisable data, and reading a whole disk back to compare it with a
// model of what it should hold. For tests only.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "ploop/image.h"

namespace ploop::testing {

inline constexpr uint32_t kSmallCluster = 8;  // sectors: 4 KiB
inline constexpr uint64_t kSmallClusterBytes = 4096;

inline CreateParams SmallImage(uint64_t size = 256 * kSmallClusterBytes,
                               int version = 2) {
  CreateParams p;
  p.size_bytes = size;
  p.cluster_sectors = kSmallCluster;
  p.version = version;
  return p;
}

// `len` bytes that depend on `seed` and the position.
inline std::string Pattern(uint64_t offset, size_t len, uint8_t seed) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; ++i) {
    uint64_t x = (offset + i) * 2654435761u + seed * 97u;
    s[i] = static_cast<char>((x >> 13) ^ seed);
  }
  return s;
}

// Writes Pattern(offset, len, seed) into the image and into `model`.
inline void Put(Image& image, std::string& model, uint64_t offset, size_t len,
                uint8_t seed) {
  std::string data = Pattern(offset, len, seed);
  vz::Status s = image.Write(offset, data.data(), data.size());
  ASSERT_TRUE(s.ok()) << s.message();
  if (model.size() < offset + len) model.resize(offset + len, '\0');
  model.replace(offset, len, data);
}

inline std::string ReadDisk(Image& image) {
  std::string out(image.size(), '\0');
  vz::Status s = image.Read(0, out.data(), out.size());
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

// Opens the image read-only and returns its whole disk.
inline std::string ReadDisk(const std::string& descriptor_path) {
  OpenParams p;
  p.read_only = true;
  auto image = Image::Open(descriptor_path, p);
  EXPECT_TRUE(image.has_value()) << image.error().message();
  if (!image.has_value()) return "";
  return ReadDisk(**image);
}

inline uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Compares two disk contents, reporting the first difference only.
inline ::testing::AssertionResult SameDisk(const std::string& expected,
                                           const std::string& actual) {
  if (expected == actual) return ::testing::AssertionSuccess();
  if (expected.size() != actual.size()) {
    return ::testing::AssertionFailure()
           << "disk is " << actual.size() << " bytes, expected "
           << expected.size();
  }
  size_t i = 0;
  while (expected[i] == actual[i]) ++i;
  return ::testing::AssertionFailure()
         << "disks differ first at byte " << i << " (cluster of 4 KiB "
         << i / kSmallClusterBytes << ")";
}

// The model padded with zeros to the disk size.
inline std::string Padded(std::string model, uint64_t size) {
  model.resize(size, '\0');
  return model;
}

}  // namespace ploop::testing
