#include <gtest/gtest.h>
TEST(Smoke_test_construction, Builds) { SUCCEED(); }
