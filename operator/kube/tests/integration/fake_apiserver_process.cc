#include "operator/kube/tests/integration/fake_apiserver_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

namespace pgferry::kube::testing {

std::string FakeApiServerProcess::Binary() {
  const char* env = getenv("FAKE_APISERVER_BIN");
  std::string path = env != nullptr && *env != '\0' ? env : PGFERRY_FAKE_APISERVER_BIN;
  return access(path.c_str(), X_OK) == 0 ? path : "";
}

Status FakeApiServerProcess::Start(const Options& options) {
  std::string binary = Binary();
  if (binary.empty()) return NotFound("fake-apiserver has not been built");
  char tmpl[] = "/tmp/pgferry-kube-it-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Internal("mkdtemp failed");
  dir_ = tmpl;
  kubeconfig_ = dir_ + "/kubeconfig";

  std::vector<std::string> args = {binary, "--port", "0", "--kubeconfig-out", kubeconfig_};
  if (options.tls) args.push_back("--tls");
  if (!options.token.empty()) {
    args.push_back("--token");
    args.push_back(options.token);
  }
  int out[2];
  if (pipe(out) != 0) return Internal("pipe failed");
  pid_ = fork();
  if (pid_ < 0) return Internal("fork failed");
  std::string log = dir_ + "/stderr.log";
  if (pid_ == 0) {
    // Its own diagnostics (and sanitizer reports) go to a file, not into the test's output.
    int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) dup2(err, STDERR_FILENO);
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);

  // The first line of stdout is the URL; it comes once the server listens.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{out[0], POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  size_t newline = line.find('\n');
  if (newline == std::string::npos) {
    std::ifstream err(log);
    std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    return Unavailable("fake-apiserver printed no URL; stderr: " + text.substr(0, 2000));
  }
  url_ = line.substr(0, newline);
  return Status::Ok();
}

FakeApiServerProcess::~FakeApiServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

}  // namespace pgferry::kube::testing
