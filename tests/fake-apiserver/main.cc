// fake-apiserver: serves FakeApiServer on a port until SIGTERM or SIGINT.
//
//   fake-apiserver --port 0 --kubeconfig-out FILE [--tls] [--token TOKEN] [--audit-log FILE]
//                  [--host 127.0.0.1]
//
// Prints the server URL as the first line of stdout once it is listening.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/fake-apiserver/fake_apiserver.h"

namespace {

int Usage(const std::string& error) {
  std::cerr << "fake-apiserver: " << error << "\n"
            << "usage: fake-apiserver --port N --kubeconfig-out FILE [--tls] [--token TOKEN] "
               "[--audit-log FILE] [--host ADDRESS]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  pgferry::fakeapi::FakeApiServerOptions options;
  std::string kubeconfig;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--tls") {
      options.tls = true;
    } else if (arg == "--port" && value(&v)) {
      options.port = std::atoi(v.c_str());
    } else if (arg == "--kubeconfig-out" && value(&v)) {
      kubeconfig = v;
    } else if (arg == "--token" && value(&v)) {
      options.token = v;
    } else if (arg == "--audit-log" && value(&v)) {
      options.audit_log_path = v;
    } else if (arg == "--host" && value(&v)) {
      options.host = v;
    } else if (arg == "-h" || arg == "--help") {
      Usage("help");
      return 0;
    } else {
      return Usage("unknown or incomplete argument: " + arg);
    }
  }

  // Block the signals before any thread starts, so every thread inherits the mask and sigwait
  // below is the only receiver.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  pgferry::fakeapi::FakeApiServer server(options);
  pgferry::Status status = server.Start();
  if (!status.ok()) {
    std::cerr << "fake-apiserver: " << status.message() << "\n";
    return 1;
  }
  if (!kubeconfig.empty()) {
    status = server.WriteKubeconfig(kubeconfig);
    if (!status.ok()) {
      std::cerr << "fake-apiserver: " << status.message() << "\n";
      return 1;
    }
  }
  std::cout << server.url() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  server.Stop();
  return 0;
}
