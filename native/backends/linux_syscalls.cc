// The real kernel behind the syscall table: plain pass-through.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backends/syscalls.h"

namespace sipline::backends {
namespace {

class LinuxSyscalls final : public Syscalls {
 public:
  int open(const char* path, int flags) override { return ::open(path, flags); }
  int close(int fd) override { return ::close(fd); }
  int ioctl(int fd, unsigned long request, void* arg) override { return ::ioctl(fd, request, arg); }
  ssize_t read(int fd, void* buf, std::size_t n) override { return ::read(fd, buf, n); }
  ssize_t write(int fd, const void* buf, std::size_t n) override { return ::write(fd, buf, n); }
  int poll(struct pollfd* fds, nfds_t n, int timeoutMs) override { return ::poll(fds, n, timeoutMs); }
};

}  // namespace

Syscalls& linuxSyscalls() {
  static LinuxSyscalls kernel;
  return kernel;
}

}  // namespace sipline::backends
