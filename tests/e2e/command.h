// Running commands (kubectl, the fake-apiserver executable) from end-to-end tests: to completion
// with a timeout, or in the background while the test acts (kubectl get -w, kubectl wait).
// Output goes to files in a scratch folder, so long outputs never block the child.
//
// Not thread-safe; one owner per object. Children are killed by pid when their owner goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgferry::e2e {

struct CommandResult {
  int exit_code = -1;  // -1 when it had to be killed (timeout)
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

class BackgroundCommand {
 public:
  // Starts `argv` with stdin from `stdin_text`; output files are created in `scratch_dir`.
  BackgroundCommand(const std::vector<std::string>& argv, const std::string& scratch_dir,
                    const std::string& stdin_text = "");
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  // Polls stdout until it contains `needle`.
  bool WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout) const;
  // The exit code once the child ended, nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after a grace period; returns the exit status (-1 if signalled).
  int Terminate();

  std::string out() const;
  std::string err() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string out_path_;
  std::string err_path_;
};

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& scratch_dir,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         const std::string& stdin_text = "");

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

}  // namespace pgferry::e2e
