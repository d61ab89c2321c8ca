#include "operator/pg/session.h"

#include <cstdlib>

#include "operator/pg/libpq_session.h"

namespace pgferry::pg {

const std::string& QueryResult::Get(size_t row, size_t col) const {
  static const std::string kEmpty;
  const auto& v = rows_.at(row).at(col);
  return v ? *v : kEmpty;
}

int64_t QueryResult::GetInt(size_t row, size_t col) const {
  const auto& v = rows_.at(row).at(col);
  return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
}

bool QueryResult::GetBool(size_t row, size_t col) const {
  const auto& v = rows_.at(row).at(col);
  return v && (*v == "t" || *v == "true");
}

Result<int64_t> RelayCopy(Session& from, const std::string& copy_out_sql, Session& to,
                          const std::string& copy_in_sql,
                          const std::function<void(int64_t)>& on_progress) {
  if (auto fast = RelayCopyAsync(from, copy_out_sql, to, copy_in_sql, on_progress)) return *fast;
  RETURN_IF_ERROR(to.BeginCopyIn(copy_in_sql));
  int64_t bytes = 0;
  Status out = from.CopyOut(copy_out_sql, [&](std::string_view chunk) {
    bytes += static_cast<int64_t>(chunk.size());
    if (on_progress && (bytes & 0xFFFFF) < static_cast<int64_t>(chunk.size())) on_progress(bytes);
    return to.PutCopyData(chunk);
  });
  if (!out.ok()) {
    (void)to.EndCopyIn(out.message());
    return out;
  }
  if (on_progress) on_progress(bytes);
  return to.EndCopyIn();
}

}  // namespace pgferry::pg
