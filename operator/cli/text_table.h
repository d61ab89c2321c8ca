// A plain aligned text table for terminal output (`STATUS METHOD ERROR`-style).
// Width is counted in UTF-8 code points so unicode names line up. Not thread-safe.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace pgferry::cli {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(FILE* out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace pgferry::cli
