// Log lines of the runtime: where the controller, informer and leader elector write what happened.
//
// A LogSink receives one finished line in Kubernetes log style (capitalised, past tense, then
// key=value pairs: `Reconciler error controller=pgmigration key=ns/m1 error="..."`). The runtime
// never writes to stderr by itself except through StderrLog, the default sink; tests pass a sink
// that records lines. Sinks may be called from several threads at once and must be thread-safe
// (StderrLog writes each line with one call).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace pgferry::runtime {

using LogSink = std::function<void(std::string_view line)>;

// Writes the line and a newline to stderr.
void StderrLog(std::string_view line);

// `value` quoted when it holds a space, a quote or '=' (so key=value lines stay parseable).
std::string LogValue(std::string_view value);

}  // namespace pgferry::runtime
