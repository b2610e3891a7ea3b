// Result<T>: a value or the reasons there is none, for stages that take untrusted input.
//
//   Result<Event> r = parse_event(json, ctx);
//   if (!r) for (auto& e : r.errors()) log(e.field, e.reason);
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace erralert::core {

/// One reason an input was refused: which field, the offending value (shortened), why.
struct FieldError {
  std::string field;
  std::string value;
  std::string reason;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

using Errors = std::vector<FieldError>;

/// A value, or a non-empty list of FieldErrors explaining why there is none.
template <class T>
class Result {
 public:
  // By reference, not by value: an Event moved into a Result is moved once, not twice.
  Result(const T& value) : v_(value) {}  // NOLINT(google-explicit-constructor)
  Result(T&& value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Errors errors) : v_(std::move(errors)) {}  // NOLINT(google-explicit-constructor)
  Result(FieldError error) : v_(Errors{std::move(error)}) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Errors& errors() const { return std::get<1>(v_); }

 private:
  std::variant<T, Errors> v_;
};

}  // namespace erralert::core
