#include "store/database.hpp"

namespace vireo {

Result<bool> Connection::wait_for_notification(std::chrono::milliseconds) {
  return fail(ErrorCode::InvalidArgument, "this database engine sends no notifications");
}

int64_t Row::integer(size_t i) const {
  const auto& v = values_[i];
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::atoll(p->c_str());
  return 0;
}

std::string Row::text(size_t i) const {
  const auto& v = values_[i];
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  return {};
}

ConnectionPool::Lease::~Lease() {
  if (!conn_ || !pool_) return;
  // A connection goes back to the pool idle, or not at all: a transaction left open (a failure
  // in its middle) would hold the write lock, or hand its state to the next borrower.
  if (conn_->in_transaction()) (void)conn_->execute("ROLLBACK", std::span<const SqlValue>{});
  if (conn_->broken() || conn_->in_transaction()) return;
  std::lock_guard lock(pool_->mutex_);
  pool_->idle_.push_back(std::move(conn_));
}

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
  }
  auto c = db_.connect();
  if (!c) return std::unexpected(c.error());
  return Lease(this, std::move(*c));
}

Status Connection::execute(std::string_view sql, std::span<const SqlValue> params) {
  return for_each(sql, params, [](const Row&) { return true; });
}

Result<std::vector<Row>> Connection::query(std::string_view sql, std::span<const SqlValue> params) {
  std::vector<Row> rows;
  auto s = for_each(sql, params, [&](const Row& r) {
    rows.push_back(r);
    return true;
  });
  if (!s) return std::unexpected(s.error());
  return rows;
}

// SQLite's GLOB takes `*` and `?` as DICOM does; `[` opens a class, so `[` and `]` are
// written as classes of one. PostgreSQL's LIKE takes `%` and `_`, escaped with `\`.
std::string Dialect::wildcard_condition(const std::string& column) const {
  return column + (name == "sqlite" ? " GLOB ?" : " LIKE ?");
}

std::string Dialect::wildcard_parameter(std::string_view dicom_pattern) const {
  std::string out;
  out.reserve(dicom_pattern.size() + 8);
  for (char c : dicom_pattern) {
    if (name == "sqlite") {
      if (c == '[') out += "[[]";
      else if (c == ']') out += "[]]";
      else out.push_back(c);
    } else {
      if (c == '*') out.push_back('%');
      else if (c == '?') out.push_back('_');
      else if (c == '%' || c == '_' || c == '\\') out += std::string("\\") + c;
      else out.push_back(c);
    }
  }
  return out;
}

}  // namespace vireo
