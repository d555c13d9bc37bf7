#include <gtest/gtest.h>
TEST(Smoke_test_validation, Builds) { SUCCEED(); }
