// Unit tests for CompareVersions (reconcilers/inventory.h), used to compare extension versions.
#include <gtest/gtest.h>

#include "reconcilers/inventory.h"

namespace pgferry {
namespace {

TEST(CompareVersions, NumericPartsCompareAsNumbers) {
  EXPECT_GT(CompareVersions("1.10", "1.9"), 0);
  EXPECT_LT(CompareVersions("1.9", "1.10"), 0);
  EXPECT_GT(CompareVersions("10.0", "9.9"), 0);
  EXPECT_GT(CompareVersions("3.3.2", "3.1.10"), 0);
  EXPECT_LT(CompareVersions("2.5.0", "2.5.1"), 0);
}

TEST(CompareVersions, EqualVersions) {
  EXPECT_EQ(CompareVersions("1.8", "1.8"), 0);
  EXPECT_EQ(CompareVersions("3.3.2", "3.3.2"), 0);
  EXPECT_EQ(CompareVersions("", ""), 0);
  EXPECT_EQ(CompareVersions("1.01", "1.1"), 0);  // numerically equal
}

TEST(CompareVersions, ReturnsMinusOneZeroOrOne) {
  EXPECT_EQ(CompareVersions("1.10", "1.9"), 1);
  EXPECT_EQ(CompareVersions("1.9", "1.10"), -1);
  EXPECT_EQ(CompareVersions("beta", "alpha"), 1);
  EXPECT_EQ(CompareVersions("alpha", "beta"), -1);
}

TEST(CompareVersions, MorePartsIsNewer) {
  EXPECT_GT(CompareVersions("1.2.1", "1.2"), 0);
  EXPECT_LT(CompareVersions("1.2", "1.2.1"), 0);
}

TEST(CompareVersions, TextPartsCompareAsText) {
  EXPECT_LT(CompareVersions("1.0a", "1.0b"), 0);
  EXPECT_GT(CompareVersions("2.0rc2", "2.0rc1"), 0);
  EXPECT_LT(CompareVersions("unpackaged", "unpackaged1"), 0);
  // A numeric part against a text part: compared as text ("2" < "2beta").
  EXPECT_LT(CompareVersions("1.2", "1.2beta"), 0);
}

TEST(CompareVersions, IsAntisymmetric) {
  const char* versions[] = {"1", "1.0", "1.9", "1.10", "1.10.1", "2.0beta", "2.0", "abc", ""};
  for (const char* a : versions)
    for (const char* b : versions)
      EXPECT_EQ(CompareVersions(a, b), -CompareVersions(b, a)) << a << " vs " << b;
}

TEST(CompareVersions, HugeNumericPartDoesNotThrow) {
  // Extension versions are free text; a numeric part longer than 19 digits overflows int64.
  // (It once used std::stoll on numeric parts, which threw out of RunPreflight.)
  int cmp = 0;
  EXPECT_NO_THROW(cmp = CompareVersions("1.100000000000000000000", "1.9"));
  EXPECT_GT(cmp, 0);
}

}  // namespace
}  // namespace pgferry
