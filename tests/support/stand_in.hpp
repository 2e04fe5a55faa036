// A stand-in for a program the code under test runs: a shell script named
// `name`, first on PATH while this lives, that records its arguments in a
// file before it does what `body` says. Header-only, for in-process tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "process.hpp"

namespace fb::test {

class StandIn {
 public:
  // With no body, no program of that name is put anywhere and PATH holds only
  // an empty folder: the program is missing.
  StandIn(const std::string& name, std::optional<std::string> body)
      : name_(name), saved_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    if (!body) {
      ::setenv("PATH", dir_.path().c_str(), 1);
      return;
    }
    write_file(path(), "#!/bin/sh\necho \"$@\" > '" + (dir_ / "called") + "'\n" + *body, 0700);
    ::setenv("PATH", (dir_.path() + ":" + saved_).c_str(), 1);
  }
  ~StandIn() { ::setenv("PATH", saved_.c_str(), 1); }
  StandIn(const StandIn&) = delete;
  StandIn& operator=(const StandIn&) = delete;

  std::string path() const { return dir_ / name_; }
  // The arguments of its last run, if it ran.
  std::optional<std::string> called() const {
    if (!std::filesystem::exists(dir_ / "called")) return std::nullopt;
    return read_file(dir_ / "called");
  }

 private:
  TempDir dir_;
  std::string name_;
  std::string saved_;
};

}  // namespace fb::test
