#include "operator/runtime/tests/integration/fake_apiserver_process.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace pgferry::runtime::testing {

std::string FakeApiServerProcess::Binary() {
  const char* env = getenv("FAKE_APISERVER_BIN");
  std::string path = env != nullptr && *env != '\0' ? env : PGFERRY_FAKE_APISERVER_BIN;
  return access(path.c_str(), X_OK) == 0 ? path : "";
}

Status FakeApiServerProcess::Start() {
  std::string binary = Binary();
  if (binary.empty()) return NotFound("fake-apiserver has not been built");
  char dir[] = "/tmp/pgferry-runtime-it-XXXXXX";
  if (mkdtemp(dir) == nullptr) return Internal("mkdtemp failed");
  dir_ = dir;
  kubeconfig_ = dir_ + "/kubeconfig";

  int out[2];
  if (pipe(out) != 0) return Internal("pipe failed");
  pid_ = fork();
  if (pid_ < 0) return Internal("fork failed");
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(binary.c_str(), binary.c_str(), "--port", "0", "--kubeconfig-out", kubeconfig_.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{out[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  size_t newline = line.find('\n');
  if (newline == std::string::npos) return Unavailable("fake-apiserver printed no URL: " + line);
  url_ = line.substr(0, newline);
  return Status::Ok();
}

FakeApiServerProcess::~FakeApiServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) != pid_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

}  // namespace pgferry::runtime::testing
