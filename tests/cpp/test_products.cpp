#include <gtest/gtest.h>
TEST(Smoke_test_products, Builds) { SUCCEED(); }
