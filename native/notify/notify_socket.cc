// notifySocket(path, message): sends one datagram to an AF_UNIX SOCK_DGRAM
// socket, the way sd_notify(3) reaches the service manager at $NOTIFY_SOCKET.
// A path starting with '@' is in the abstract namespace (unix(7)). Node's
// dgram module has no AF_UNIX datagrams, hence this one function. Errors come
// back as JavaScript errors with the errno name as `code`.
#include "notify/notify_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "napi_error.h"

namespace sipline::notify {
namespace {

// One unbound datagram socket, closed when it goes out of scope.
class DatagramSocket {
 public:
  DatagramSocket() : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~DatagramSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  DatagramSocket(const DatagramSocket&) = delete;
  DatagramSocket& operator=(const DatagramSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

Napi::Error errnoError(Napi::Env env, const std::string& what, int err) {
  const char* name = ::strerrorname_np(err);
  return codedError(env, what + ": " + std::strerror(err), name != nullptr ? name : "EIO");
}

Napi::Value NotifySocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    throw codedError(env, "notifySocket needs a socket path and a message (strings)", "EINVAL");
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const std::string message = info[1].As<Napi::String>().Utf8Value();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // unix(7): sun_path holds 108 bytes; a filesystem path needs its terminating NUL.
  const bool abstract = !path.empty() && path[0] == '@';
  if (path.empty() || (path[0] != '/' && !abstract)) {
    throw codedError(env, "notify socket '" + path + "' must be an absolute path or an @abstract name", "EINVAL");
  }
  if (path.size() > sizeof(addr.sun_path) - (abstract ? 0 : 1)) {
    throw codedError(env, "notify socket path is longer than " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes", "ENAMETOOLONG");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (abstract) addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));

  DatagramSocket s;
  if (s.fd() < 0) throw errnoError(env, "socket(AF_UNIX, SOCK_DGRAM)", errno);
  const ssize_t sent = ::sendto(s.fd(), message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  if (sent < 0) throw errnoError(env, "sendto " + path, errno);
  if (static_cast<size_t>(sent) != message.size()) throw codedError(env, "sendto " + path + ": datagram cut short", "EMSGSIZE");
  return env.Undefined();
}

}  // namespace

void registerNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("notifySocket", Napi::Function::New(env, NotifySocket, "notifySocket"));
}

}  // namespace sipline::notify
