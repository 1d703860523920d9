// Where C++ failures become JavaScript errors at the addon boundary: an Error
// whose `code` says what failed. No C++ exception may escape into Node-API.
#pragma once

#include <napi.h>

#include <stdexcept>
#include <string>

#include "coded_error.h"

namespace sipline {

inline Napi::Error codedError(Napi::Env env, const std::string& message, const char* code) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

/** Runs fn: a CodedError keeps its code, bad arguments are EINVAL, anything else EINTERNAL. */
template <typename Fn>
Napi::Value guarded(Napi::Env env, Fn&& fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const CodedError& e) {
    throw codedError(env, e.what(), e.code());
  } catch (const std::invalid_argument& e) {
    throw codedError(env, e.what(), "EINVAL");
  } catch (const std::exception& e) {
    throw codedError(env, e.what(), "EINTERNAL");
  }
}

}  // namespace sipline
