// The RTP engine's sockets and I/O thread: the UDP sockets of many calls
// under one epoll, received in recvmmsg batches into one buffer that
// JavaScript takes whole, and sent by the thread from a command queue that
// JavaScript fills whole. No Node-API here: rtp_addon.cc wraps it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "coded_error.h"

namespace sipline::rtp {

/** A socket call that failed; code is the errno name (EADDRINUSE, EINVAL, ...). */
class UdpError : public CodedError {
 public:
  UdpError(const std::string& what, const char* code) : CodedError(what), code_(code) {}
  const char* code() const noexcept override { return code_; }

 private:
  const char* code_;
};

// Layout of one record in the received buffer (little-endian), then the datagram.
//   0  u32 handle        4  u16 length of the datagram
//   6  u16 source port   8  u8 family (4, 6; 0 = a send error, text follows)
//   9  3 octets zero    12  16 octets source address (IPv4 in the first 4)
constexpr std::size_t kRecordHeader = 28;
// Nice levels the I/O thread runs below the thread that created the engine.
constexpr int kIoThreadNice = 5;

struct EngineStats {
  uint64_t received = 0;
  uint64_t sent = 0;
  /** Datagrams dropped because JavaScript had not taken the buffer in time. */
  uint64_t receiveDropped = 0;
  /** sendmmsg/sendto failures (each also reported as an error record). */
  uint64_t sendErrors = 0;
  uint64_t wakeups = 0;
  /** Times JavaScript was handed the received buffer. */
  uint64_t deliveries = 0;
};

class UdpEngine {
 public:
  /** Called on the I/O thread when received data waits and JavaScript has not been told; false = could not tell. */
  using Notify = std::function<bool()>;

  explicit UdpEngine(Notify notify);
  ~UdpEngine();
  UdpEngine(const UdpEngine&) = delete;
  UdpEngine& operator=(const UdpEngine&) = delete;

  /** Binds a socket (port 0: ephemeral) and starts receiving on it; returns its handle. */
  uint32_t open(const std::string& address, int port);
  int localPort(uint32_t handle);
  /** Where this socket's datagrams go from now on (queued after earlier sends). */
  void setRemote(uint32_t handle, const std::string& address, int port);
  /** Queues datagrams: index holds (handle, offset, length) triples into data. */
  void send(const uint8_t* data, std::size_t dataLength, const int32_t* index, std::size_t count);
  /** Closes the socket once the sends queued before are out; returns when the port is free again. */
  void close(uint32_t handle);
  /**
   * A word the I/O thread sets to 1 while received records wait and take()
   * clears: JavaScript reads it for free before its playout and takes the
   * records then, even when the notification has not run yet. Must outlive stop().
   */
  void setPendingFlag(int32_t* flag);
  /** Takes every record received since the last call; JavaScript may be told again. */
  std::vector<uint8_t> take();
  EngineStats stats();
  std::size_t openSockets();
  void stop();

 private:
  struct Socket {
    int fd = -1;
    int family = AF_INET;
    sockaddr_storage remote{};
    socklen_t remoteLength = 0;
  };
  enum class Op : uint8_t { Send, Remote, Close };
  struct Command {
    Op op;
    uint32_t handle;
    uint32_t offset;
    uint32_t length;
    sockaddr_storage to;
    socklen_t toLength;
  };

  void run();
  void receiveFrom(uint32_t handle, int fd);
  void flushCommands();
  void sendRun(Socket& s, uint32_t handle, const std::vector<uint8_t>& bytes, const Command* first, std::size_t n);
  void reportError(uint32_t handle, const std::string& text);
  void wake();
  void wakeForSend();

  Notify notify_;
  int epoll_ = -1;
  int wakeFd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> idle_{false};

  std::mutex socketsMutex_;
  std::unordered_map<uint32_t, Socket> sockets_;
  uint32_t nextHandle_ = 1;

  std::mutex txMutex_;
  std::vector<Command> txCommands_;
  std::vector<uint8_t> txBytes_;
  // The batch the I/O thread works on; swapped with the queue so both keep their capacity.
  std::vector<Command> workCommands_;
  std::vector<uint8_t> workBytes_;
  std::condition_variable closedCv_;
  std::condition_variable urgentCv_;  // ends the gathering pause early
  bool urgent_ = false;
  uint32_t closeTickets_ = 0;
  uint32_t closedTicket_ = 0;

  std::vector<uint8_t> scratch_;  // recvmmsg buffers, used by the I/O thread only
  std::mutex rxMutex_;
  int32_t* pending_ = nullptr;
  std::vector<uint8_t> rx_;
  bool told_ = false;
  EngineStats stats_;
};

}  // namespace sipline::rtp
