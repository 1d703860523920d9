// The backend contract: the only way card code reaches a kernel.
//
// Two implementations: linuxSyscalls() (the real DAHDI driver under
// /dev/dahdi) and SimKernel (an emulated card in this process). Code above
// this table (dahdi_channel.cc, the card I/O thread) must not know which one
// it runs on, so both keep the kernel's rules:
//  - every call returns -1 and sets errno on failure, exactly as the system
//    call would (EBADF for an unknown fd, EINVAL for a bad argument, EAGAIN
//    when a non-blocking read has nothing, ELAST (500) when a DAHDI read is
//    refused because a signalling event is waiting);
//  - ioctl requests and their argument structs are those of dahdi/user.h;
//  - poll reports POLLIN when a whole block (or HDLC frame) is readable,
//    POLLPRI when DAHDI_GETEVENT has an event, POLLOUT when a write fits;
//  - all calls may be made from any thread; a call never blocks longer than
//    poll's timeout (channels are opened non-blocking).
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>

namespace sipline::backends {

class Syscalls {
 public:
  virtual ~Syscalls() = default;
  virtual int open(const char* path, int flags) = 0;
  virtual int close(int fd) = 0;
  virtual int ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual ssize_t read(int fd, void* buf, std::size_t n) = 0;
  virtual ssize_t write(int fd, const void* buf, std::size_t n) = 0;
  virtual int poll(struct pollfd* fds, nfds_t n, int timeoutMs) = 0;
};

/** The running kernel's own system calls (one shared, stateless instance). */
Syscalls& linuxSyscalls();

}  // namespace sipline::backends
