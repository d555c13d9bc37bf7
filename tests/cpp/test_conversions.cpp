#include <gtest/gtest.h>
TEST(Smoke_test_conversions, Builds) { SUCCEED(); }
