// Shared check of every fuzz target: a reader may only fail with the library's typed errors, and
// every message starts with the name it was given. Anything else (a crash, a sanitizer report, an
// untyped exception escaping) is a finding.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "sparse_formats/errors.hpp"

template <typename F>
void expect_typed_errors(const std::uint8_t* data, std::size_t size, F&& read) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    read(bytes, std::string("fuzz.input"));
  } catch (const sparse_formats::parse_error& e) {
    if (std::string_view(e.what()).substr(0, 11) != "fuzz.input:") {
      std::fprintf(stderr, "parse_error without the file name: %s\n", e.what());
      std::abort();
    }
  } catch (const sparse_formats::error&) {
    // unsupported (complex files, zip methods) and index errors from the formats' own validation
  }
}
