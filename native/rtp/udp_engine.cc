#include "rtp/udp_engine.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace sipline::rtp {

namespace {

constexpr int kBatch = 32;                        // datagrams per recvmmsg/sendmmsg call
constexpr std::size_t kDatagramMax = 4096;         // RTP over UDP stays far below; larger is cut and dropped
constexpr std::size_t kReceiveCap = 8u << 20;      // octets waiting for JavaScript before new ones are dropped
constexpr uint64_t kWakeTag = ~uint64_t{0};
constexpr std::chrono::microseconds kDeliverEvery{1000};
constexpr std::chrono::microseconds kGather{500};

const char* errnoName(int e) {
  switch (e) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case EINVAL: return "EINVAL";
    default: return "ESOCKET";
  }
}

UdpError sysError(const std::string& what, int e) { return UdpError(what + ": " + std::strerror(e), errnoName(e)); }

// An IP literal (no name lookups on the media path) for a socket of `family`.
bool parseAddress(const std::string& address, int port, int family, sockaddr_storage& out, socklen_t& length) {
  std::memset(&out, 0, sizeof out);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    if (family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(&out);
      sa->sin_family = AF_INET;
      sa->sin_port = htons(static_cast<uint16_t>(port));
      sa->sin_addr = v4;
      length = sizeof(sockaddr_in);
      return true;
    }
    // A dual-stack IPv6 socket reaches IPv4 peers at ::ffff:a.b.c.d.
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<uint16_t>(port));
    sa->sin6_addr.s6_addr[10] = 0xff;
    sa->sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&sa->sin6_addr.s6_addr[12], &v4, 4);
    length = sizeof(sockaddr_in6);
    return true;
  }
  if (family == AF_INET6 && inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<uint16_t>(port));
    sa->sin6_addr = v6;
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// Little-endian whatever the host, as src/media/rtp-engine.ts reads them.
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v));
  put16(p + 2, static_cast<uint16_t>(v >> 16));
}

}  // namespace

UdpEngine::UdpEngine(Notify notify) : notify_(std::move(notify)), scratch_(kBatch * kDatagramMax) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw sysError("epoll_create1", errno);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    int e = errno;
    ::close(epoll_);
    throw sysError("eventfd", e);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, wakeFd_, &ev) < 0) {
    int e = errno;
    ::close(wakeFd_);
    ::close(epoll_);
    throw sysError("epoll_ctl", e);
  }
  thread_ = std::thread([this] { run(); });
}

UdpEngine::~UdpEngine() { stop(); }

void UdpEngine::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(txMutex_);
    stopping_ = true;
  }
  urgentCv_.notify_one();
  wake();
  thread_.join();
  std::lock_guard<std::mutex> lock(socketsMutex_);
  for (auto& [handle, s] : sockets_) ::close(s.fd);
  sockets_.clear();
  ::close(wakeFd_);
  ::close(epoll_);
}

uint32_t UdpEngine::open(const std::string& address, int port) {
  if (port < 0 || port > 65535) throw UdpError("port " + std::to_string(port) + " is not a UDP port", "EINVAL");
  if (stopping_) throw UdpError("the RTP engine is closed", "ECLOSED");
  int family = address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  sockaddr_storage local{};
  socklen_t localLength = 0;
  if (!parseAddress(address, port, family, local, localLength)) throw UdpError("\"" + address + "\" is not an IP address to bind", "EINVAL");
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sysError("socket", errno);
  if (family == AF_INET6) {
    int off = 0;  // dual stack, as Node's udp6 sockets
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), localLength) < 0) {
    int e = errno;
    ::close(fd);
    throw sysError("bind " + address + ":" + std::to_string(port), e);
  }
  std::lock_guard<std::mutex> lock(socketsMutex_);
  uint32_t handle = nextHandle_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = (uint64_t{handle} << 32) | static_cast<uint32_t>(fd);
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int e = errno;
    ::close(fd);
    throw sysError("epoll_ctl", e);
  }
  Socket s;
  s.fd = fd;
  s.family = family;
  sockets_.emplace(handle, s);
  return handle;
}

int UdpEngine::localPort(uint32_t handle) {
  std::lock_guard<std::mutex> lock(socketsMutex_);
  auto it = sockets_.find(handle);
  if (it == sockets_.end()) throw UdpError("socket " + std::to_string(handle) + " is not open", "ECLOSED");
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (getsockname(it->second.fd, reinterpret_cast<sockaddr*>(&sa), &len) < 0) throw sysError("getsockname", errno);
  return sa.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port) : ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
}

void UdpEngine::setRemote(uint32_t handle, const std::string& address, int port) {
  if (port < 0 || port > 65535) throw UdpError("port " + std::to_string(port) + " is not a UDP port", "EINVAL");
  int family;
  {
    std::lock_guard<std::mutex> lock(socketsMutex_);
    auto it = sockets_.find(handle);
    if (it == sockets_.end()) throw UdpError("socket " + std::to_string(handle) + " is not open", "ECLOSED");
    family = it->second.family;
  }
  Command c{};
  c.op = Op::Remote;
  c.handle = handle;
  if (!parseAddress(address, port, family, c.to, c.toLength)) {
    throw UdpError("\"" + address + "\" is not an IP" + (family == AF_INET ? "v4" : "") + " address this socket can send to", "EINVAL");
  }
  std::lock_guard<std::mutex> lock(txMutex_);
  bool wasEmpty = txCommands_.empty();
  txCommands_.push_back(c);
  if (wasEmpty) wake();
}

void UdpEngine::send(const uint8_t* data, std::size_t dataLength, const int32_t* index, std::size_t count) {
  for (std::size_t i = 0; i < count; i++) {
    int64_t off = index[3 * i + 1], len = index[3 * i + 2];
    if (off < 0 || len < 0 || static_cast<uint64_t>(off + len) > dataLength) throw std::invalid_argument("send entry " + std::to_string(i) + " lies outside the data");
  }
  std::lock_guard<std::mutex> lock(txMutex_);
  bool wasEmpty = txCommands_.empty();
  uint32_t base = static_cast<uint32_t>(txBytes_.size());
  // One copy of the whole batch; the commands point into it.
  txBytes_.insert(txBytes_.end(), data, data + dataLength);
  for (std::size_t i = 0; i < count; i++) {
    Command c{};
    c.op = Op::Send;
    c.handle = static_cast<uint32_t>(index[3 * i]);
    c.offset = base + static_cast<uint32_t>(index[3 * i + 1]);
    c.length = static_cast<uint32_t>(index[3 * i + 2]);
    txCommands_.push_back(c);
  }
  if (wasEmpty && count > 0) wakeForSend();
}

void UdpEngine::close(uint32_t handle) {
  Command c{};
  c.op = Op::Close;
  c.handle = handle;
  std::unique_lock<std::mutex> lock(txMutex_);
  c.offset = ++closeTickets_;
  bool wasEmpty = txCommands_.empty();
  txCommands_.push_back(c);
  if (wasEmpty) wake();
  urgent_ = true;
  urgentCv_.notify_one();
  // The caller may bind the port again at once (a pool reusing it, a test
  // occupying it): wait for the I/O thread to have sent what was queued and closed.
  uint32_t ticket = c.offset;
  closedCv_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_ || static_cast<int32_t>(closedTicket_ - ticket) >= 0; });
}

void UdpEngine::setPendingFlag(int32_t* flag) {
  std::lock_guard<std::mutex> lock(rxMutex_);
  pending_ = flag;
}

std::vector<uint8_t> UdpEngine::take() {
  std::vector<uint8_t> out;
  std::lock_guard<std::mutex> lock(rxMutex_);
  out.swap(rx_);
  told_ = false;
  if (pending_) __atomic_store_n(pending_, 0, __ATOMIC_RELEASE);
  return out;
}

EngineStats UdpEngine::stats() {
  std::lock_guard<std::mutex> lock(rxMutex_);
  return stats_;
}

std::size_t UdpEngine::openSockets() {
  std::lock_guard<std::mutex> lock(socketsMutex_);
  return sockets_.size();
}

void UdpEngine::wakeForSend() {
  // A busy thread comes round within kGather and takes the batch then: no system call per flush.
  if (idle_) wake();
}

void UdpEngine::wake() {
  uint64_t one = 1;
  ssize_t r = ::write(wakeFd_, &one, sizeof one);
  (void)r;  // EAGAIN: the counter is already non-zero, the thread wakes anyway
}

void UdpEngine::run() {
  pthread_setname_np(pthread_self(), "sipline-rtp");
  // Under SCHED_OTHER the JavaScript thread, which plays frames to the line
  // by a deadline, gets the CPU before this one: datagrams wait in socket
  // buffers and far-end jitter buffers. Raising one's own nice needs no
  // privilege; under a real-time policy it has no effect.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(19, nice + kIoThreadNice));
  epoll_event events[256];
  using Clock = std::chrono::steady_clock;
  Clock::time_point lastTold{};
  int timeoutMs = -1;
  Clock::time_point lastBusy{};
  while (!stopping_) {
    // Under load, gather a millisecond's datagrams per epoll_wait: one wake-up
    // of this thread serves many sockets instead of one per arriving packet.
    if (lastBusy != Clock::time_point{}) {
      // A close cuts the pause short: its caller is waiting (setRemote and stop too).
      std::unique_lock<std::mutex> lock(txMutex_);
      urgentCv_.wait_until(lock, lastBusy + kGather, [this] { return urgent_ || stopping_; });
      urgent_ = false;
    }
    int waitMs = lastBusy != Clock::time_point{} ? 0 : timeoutMs;
    if (waitMs < 0) {
      // About to sleep for good: from here on senders must wake us (see wakeForSend).
      idle_ = true;
      std::lock_guard<std::mutex> lock(txMutex_);
      if (!txCommands_.empty()) waitMs = 0;
    }
    int n = epoll_wait(epoll_, events, 256, waitMs);
    idle_ = false;
    lastBusy = n > 0 ? Clock::now() : Clock::time_point{};
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; i++) {
      uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) {
        uint64_t count;
        ssize_t r = ::read(wakeFd_, &count, sizeof count);
        (void)r;
        continue;
      }
      try {
        receiveFrom(static_cast<uint32_t>(tag >> 32), static_cast<int>(tag & 0xffffffffu));
      } catch (const std::exception&) {
        // Out of memory for the received buffer: these datagrams are lost, the thread goes on.
      }
    }
    try {
      flushCommands();
    } catch (const std::exception&) {
      // As above: a failed allocation costs this batch, never the process (no exception may leave a thread).
    }
    // JavaScript hears of received datagrams at most once a millisecond: a
    // thousand calls' packets cost it one callback per slot of the media
    // clock, not one per packet. What arrives meanwhile waits (< 1 ms).
    bool tell = false;
    timeoutMs = -1;
    Clock::time_point now = Clock::now();
    {
      std::lock_guard<std::mutex> lock(rxMutex_);
      stats_.wakeups++;
      if (!rx_.empty() && !told_) {
        if (now - lastTold >= kDeliverEvery) {
          tell = told_ = true;
          lastTold = now;
          stats_.deliveries++;
        } else {
          timeoutMs = 1;
        }
      }
    }
    bool told = false;
    if (tell) {
      try {
        told = notify_();
      } catch (const std::exception&) {
        told = false;  // JavaScript polls at its next playout anyway
      }
    }
    if (tell && !told) {
      std::lock_guard<std::mutex> lock(rxMutex_);
      told_ = false;
      stats_.deliveries--;
      timeoutMs = 1;
    }
  }
}

void UdpEngine::receiveFrom(uint32_t handle, int fd) {
  uint8_t* scratch = scratch_.data();  // kBatch datagrams of kDatagramMax, the I/O thread's own
  sockaddr_storage from[kBatch];
  iovec iov[kBatch];
  mmsghdr msgs[kBatch];
  for (;;) {
    for (int i = 0; i < kBatch; i++) {
      iov[i] = {scratch + i * kDatagramMax, kDatagramMax};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int got = recvmmsg(fd, msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (got <= 0) return;  // EAGAIN: drained; other errors (ICMP) are not ours to act on
    std::lock_guard<std::mutex> lock(rxMutex_);
    for (int i = 0; i < got; i++) {
      std::size_t len = msgs[i].msg_len;
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
      if (rx_.size() + kRecordHeader + len > kReceiveCap) {
        stats_.receiveDropped++;
        continue;
      }
      std::size_t at = rx_.size();
      rx_.resize(at + kRecordHeader + len);
      uint8_t* p = rx_.data() + at;
      std::memset(p, 0, kRecordHeader);
      put32(p, handle);
      put16(p + 4, static_cast<uint16_t>(len));
      const sockaddr_storage& sa = from[i];
      if (sa.ss_family == AF_INET6) {
        auto* s6 = reinterpret_cast<const sockaddr_in6*>(&sa);
        put16(p + 6, ntohs(s6->sin6_port));
        p[8] = 6;
        std::memcpy(p + 12, &s6->sin6_addr, 16);
      } else {
        auto* s4 = reinterpret_cast<const sockaddr_in*>(&sa);
        put16(p + 6, ntohs(s4->sin_port));
        p[8] = 4;
        std::memcpy(p + 12, &s4->sin_addr, 4);
      }
      std::memcpy(p + kRecordHeader, scratch + i * kDatagramMax, len);
      stats_.received++;
    }
    if (pending_ && !rx_.empty()) __atomic_store_n(pending_, 1, __ATOMIC_RELEASE);
    if (got < kBatch) return;
  }
}

void UdpEngine::flushCommands() {
  workCommands_.clear();
  workBytes_.clear();
  {
    std::lock_guard<std::mutex> lock(txMutex_);
    workCommands_.swap(txCommands_);
    workBytes_.swap(txBytes_);
  }
  const std::vector<Command>& commands = workCommands_;
  const std::vector<uint8_t>& bytes = workBytes_;
  std::size_t i = 0;
  while (i < commands.size()) {
    const Command& c = commands[i];
    std::unique_lock<std::mutex> lock(socketsMutex_);
    auto it = sockets_.find(c.handle);
    if (it == sockets_.end()) {
      i++;
      continue;  // closed already: what was queued for it goes nowhere (a second close was refused in JS)
    }
    Socket& s = it->second;
    if (c.op == Op::Remote) {
      s.remote = c.to;
      s.remoteLength = c.toLength;
      i++;
    } else if (c.op == Op::Close) {
      epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
      ::close(s.fd);
      sockets_.erase(it);
      lock.unlock();
      {
        std::lock_guard<std::mutex> tx(txMutex_);
        closedTicket_ = c.offset;
      }
      closedCv_.notify_all();
      i++;
    } else {
      // A run of sends on one socket goes out in sendmmsg calls.
      std::size_t n = 1;
      while (i + n < commands.size() && commands[i + n].op == Op::Send && commands[i + n].handle == c.handle) n++;
      Socket copy = s;
      lock.unlock();
      sendRun(copy, c.handle, bytes, &commands[i], n);
      i += n;
    }
  }
}

void UdpEngine::sendRun(Socket& s, uint32_t handle, const std::vector<uint8_t>& bytes, const Command* first, std::size_t n) {
  if (s.remoteLength == 0) return;  // no peer yet (port 0 or not negotiated): nothing to send to
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  std::size_t done = 0;
  while (done < n) {
    std::size_t m = std::min<std::size_t>(kBatch, n - done);
    for (std::size_t k = 0; k < m; k++) {
      const Command& c = first[done + k];
      iov[k] = {const_cast<uint8_t*>(bytes.data() + c.offset), c.length};
      msgs[k] = {};
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      msgs[k].msg_hdr.msg_name = &s.remote;
      msgs[k].msg_hdr.msg_namelen = s.remoteLength;
    }
    int sent = sendmmsg(s.fd, msgs, static_cast<unsigned>(m), 0);
    if (sent < 0) {
      int e = errno;
      if (e == EINTR) continue;
      {
        std::lock_guard<std::mutex> lock(rxMutex_);
        stats_.sendErrors++;
      }
      // A full send buffer or a refused peer costs this datagram, not the call.
      if (e != EAGAIN && e != EWOULDBLOCK && e != ECONNREFUSED) reportError(handle, std::string("send: ") + std::strerror(e));
      done++;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(rxMutex_);
      stats_.sent += static_cast<uint64_t>(sent);
    }
    done += static_cast<std::size_t>(sent);
  }
}

void UdpEngine::reportError(uint32_t handle, const std::string& text) {
  std::lock_guard<std::mutex> lock(rxMutex_);
  if (rx_.size() + kRecordHeader + text.size() > kReceiveCap) return;
  std::size_t at = rx_.size();
  rx_.resize(at + kRecordHeader + text.size());
  uint8_t* p = rx_.data() + at;
  std::memset(p, 0, kRecordHeader);
  put32(p, handle);
  put16(p + 4, static_cast<uint16_t>(text.size()));
  std::memcpy(p + kRecordHeader, text.data(), text.size());
}

}  // namespace sipline::rtp
