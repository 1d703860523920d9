// A failure that names itself with a short code (an errno name such as
// 'EBUSY' or 'EADDRINUSE'), so that JavaScript can act on it without parsing
// the message. Plain C++: the backends and the RTP engine throw it.
#pragma once

#include <stdexcept>

namespace sipline {

class CodedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  /** Short code for JavaScript: 'EBUSY', 'ENXIO', 'EADDRINUSE', ... */
  virtual const char* code() const noexcept = 0;
};

}  // namespace sipline
