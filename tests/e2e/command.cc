#include "tests/e2e/command.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace pgferry::e2e {
namespace {

std::atomic<int> counter{0};

std::optional<int> Reap(pid_t pid, bool block) {
  int status = 0;
  pid_t r = waitpid(pid, &status, block ? 0 : WNOHANG);
  if (r != pid) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

BackgroundCommand::BackgroundCommand(const std::vector<std::string>& argv,
                                     const std::string& scratch_dir,
                                     const std::string& stdin_text) {
  std::string base = scratch_dir + "/cmd-" + std::to_string(getpid()) + "-" +
                     std::to_string(counter++);
  out_path_ = base + ".out";
  err_path_ = base + ".err";
  std::string in_path = base + ".in";
  WriteFile(in_path, stdin_text);
  WriteFile(out_path_, "");
  WriteFile(err_path_, "");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  if (pid_ < 0) exit_code_ = 127;
}

BackgroundCommand::~BackgroundCommand() {
  if (pid_ > 0 && !exit_code_) Terminate();
}

bool BackgroundCommand::WaitForOutput(const std::string& needle,
                                      std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (out().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return out().find(needle) != std::string::npos;
}

std::optional<int> BackgroundCommand::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    exit_code_ = Reap(pid_, false);
    if (exit_code_ || std::chrono::steady_clock::now() >= deadline) return exit_code_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int BackgroundCommand::Terminate() {
  if (exit_code_) return *exit_code_;
  kill(pid_, SIGTERM);
  if (Wait(std::chrono::seconds(5))) return *exit_code_;
  kill(pid_, SIGKILL);
  exit_code_ = Reap(pid_, true).value_or(-1);
  return *exit_code_;
}

std::string BackgroundCommand::out() const { return ReadFile(out_path_); }
std::string BackgroundCommand::err() const { return ReadFile(err_path_); }

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& scratch_dir,
                         std::chrono::milliseconds timeout, const std::string& stdin_text) {
  BackgroundCommand cmd(argv, scratch_dir, stdin_text);
  CommandResult result;
  auto code = cmd.Wait(timeout);
  result.exit_code = code ? *code : (cmd.Terminate(), -1);
  result.out = cmd.out();
  result.err = cmd.err();
  return result;
}

}  // namespace pgferry::e2e
