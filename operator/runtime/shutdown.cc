#include "operator/runtime/shutdown.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace pgferry::runtime {
namespace {

// Set while a Shutdown has handlers installed; read by the handler.
std::atomic<int> g_write_fd{-1};
std::atomic<int> g_signals{0};
struct sigaction g_old_term, g_old_int;

void OnSignal(int signo) {
  if (g_signals.fetch_add(1) > 0) _exit(1);  // second signal: stop waiting for a graceful end
  int fd = g_write_fd.load();
  unsigned char byte = static_cast<unsigned char>(signo);
  if (fd >= 0) {
    ssize_t ignored = write(fd, &byte, 1);
    (void)ignored;
  }
}

}  // namespace

Status Shutdown::InstallSignalHandlers() {
  if (installed_ || g_write_fd.load() >= 0)
    return FailedPrecondition("signal handlers are installed already");
  if (pipe2(pipe_, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  g_signals = 0;
  g_write_fd = pipe_[1];
  signal_thread_ = std::thread([this] { ReadSignals(); });
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &g_old_term);
  sigaction(SIGINT, &action, &g_old_int);
  installed_ = true;
  return Status::Ok();
}

void Shutdown::ReadSignals() {
  while (true) {
    unsigned char byte = 0;
    ssize_t n = read(pipe_[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == 0) return;  // closed, or the destructor's wake-up
    Request(byte == SIGTERM  ? "received SIGTERM"
            : byte == SIGINT ? "received SIGINT"
                             : "received a signal");
  }
}

Shutdown::~Shutdown() {
  if (!installed_) return;
  sigaction(SIGTERM, &g_old_term, nullptr);
  sigaction(SIGINT, &g_old_int, nullptr);
  g_write_fd = -1;
  unsigned char stop = 0;
  ssize_t ignored = write(pipe_[1], &stop, 1);
  (void)ignored;
  signal_thread_.join();
  close(pipe_[0]);
  close(pipe_[1]);
}

void Shutdown::Request(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (claimed_) return;
    claimed_ = true;
    reason_ = reason;
  }
  // The token first, so that whoever sees the flag (or returns from Wait) sees it stopped too.
  source_.request_stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    requested_ = true;
  }
  cv_.notify_all();
}

bool Shutdown::requested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requested_;
}

std::string Shutdown::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

void Shutdown::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return requested_; });
}

bool Shutdown::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return requested_; });
}

}  // namespace pgferry::runtime
