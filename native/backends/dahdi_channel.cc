// DAHDI channel I/O, as chan_dahdi and libpri users drive the driver.
#include "backends/dahdi_channel.h"

#include <dahdi/user.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>

namespace sipline::backends {

BackendError::BackendError(const std::string& what, int err)
    : CodedError(what + ": " + (err == ELAST ? "signalling event pending" : std::strerror(err))), err_(err) {}

const char* BackendError::code() const noexcept {
  switch (err_) {
    case ENOENT: return "ENOENT";
    case ENXIO: return "ENXIO";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EIO: return "EIO";
    case ENODEV: return "ENODEV";
    case EAGAIN: return "EAGAIN";
    case ELAST: return "ELAST";
    default: return "EKERNEL";
  }
}

DahdiChannel::DahdiChannel(Syscalls& kernel, const DahdiChannelConfig& config) : kernel_(kernel), config_(config) {
  if (config.mode == ChannelMode::Audio && (config.blockSize < kMinBlockSize || config.blockSize > kMaxBlockSize || config.blockSize % 8)) {
    throw BackendError("channel " + std::to_string(config.number) + ": block size " + std::to_string(config.blockSize) +
                           " samples is not a multiple of 8 between 64 (8 ms) and 1600",
                       EINVAL);
  }
  // The cloning device: one fd per channel, bound by number (DAHDI_SPECIFY).
  fd_ = kernel_.open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK);
  if (fd_ < 0) throw BackendError("open /dev/dahdi/channel", errno);
  try {
    int number = config.number;
    if (kernel_.ioctl(fd_, DAHDI_SPECIFY, &number)) fail("DAHDI_SPECIFY");
    dahdi_params params{};
    params.channo = -1;  // the channel this fd is bound to
    if (kernel_.ioctl(fd_, DAHDI_GET_PARAMS, &params)) fail("DAHDI_GET_PARAMS");
    span_ = params.spanno;
    if (config.mode == ChannelMode::Audio) {
      int linear = 1;  // 16-bit signed samples instead of the span's G.711 law
      if (kernel_.ioctl(fd_, DAHDI_SETLINEAR, &linear)) fail("DAHDI_SETLINEAR");
      int block = config.blockSize;
      if (kernel_.ioctl(fd_, DAHDI_SET_BLOCKSIZE, &block)) fail("DAHDI_SET_BLOCKSIZE");
    } else {
      // A D-channel from system.conf (dchan=) is already HDLC with FCS;
      // a clear channel is switched to it here.
      if ((params.sigtype & DAHDI_SIG_HDLCFCS) != DAHDI_SIG_HDLCFCS && params.sigtype != DAHDI_SIG_HARDHDLC) {
        int on = 1;
        if (kernel_.ioctl(fd_, DAHDI_HDLCFCSMODE, &on)) fail("DAHDI_HDLCFCSMODE");
      }
      // Room for whole frames, as libpri users configure it.
      dahdi_bufferinfo bi{};
      bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
      bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
      bi.numbufs = 16;
      bi.bufsize = kMaxHdlcFrame;
      if (kernel_.ioctl(fd_, DAHDI_SET_BUFINFO, &bi)) fail("DAHDI_SET_BUFINFO");
    }
  } catch (...) {
    kernel_.close(fd_);
    throw;
  }
}

DahdiChannel::~DahdiChannel() {
  if (fd_ >= 0) kernel_.close(fd_);
}

void DahdiChannel::fail(const char* what) const {
  throw BackendError(std::string(what) + " on channel " + std::to_string(config_.number), errno);
}

long DahdiChannel::readAudio(int16_t* out, std::size_t maxSamples) {
  ssize_t r = kernel_.read(fd_, out, maxSamples * sizeof(int16_t));
  if (r < 0) {
    if (errno == EAGAIN) return 0;
    if (errno == ELAST) return -1;
    fail("read");
  }
  return static_cast<long>(r / static_cast<ssize_t>(sizeof(int16_t)));
}

long DahdiChannel::writeAudio(const int16_t* samples, std::size_t n) {
  ssize_t r = kernel_.write(fd_, samples, n * sizeof(int16_t));
  if (r < 0) {
    if (errno == EAGAIN) return 0;
    if (errno == ELAST) return 0;  // the event is read on POLLPRI; this block is lost
    fail("write");
  }
  return static_cast<long>(r / static_cast<ssize_t>(sizeof(int16_t)));
}

long DahdiChannel::readFrame(uint8_t* out, std::size_t max) {
  ssize_t r = kernel_.read(fd_, out, max);
  if (r < 0) {
    if (errno == EAGAIN || errno == ELAST) return 0;
    fail("read");
  }
  return static_cast<long>(r);
}

void DahdiChannel::writeFrame(const uint8_t* frame, std::size_t n) {
  if (n == 0 || n > static_cast<std::size_t>(kMaxHdlcFrame)) {
    throw BackendError("D-channel frame of " + std::to_string(n) + " bytes on channel " + std::to_string(config_.number) +
                           " (1 to " + std::to_string(kMaxHdlcFrame) + " allowed)",
                       EINVAL);
  }
  if (kernel_.write(fd_, frame, n) < 0) fail("write");
}

int DahdiChannel::getEvent() {
  int event = DAHDI_EVENT_NONE;
  if (kernel_.ioctl(fd_, DAHDI_GETEVENT, &event)) fail("DAHDI_GETEVENT");
  return event;
}

void DahdiChannel::hook(HookOp op) {
  int x = 0;
  switch (op) {
    case HookOp::Onhook: x = DAHDI_ONHOOK; break;
    case HookOp::Offhook: x = DAHDI_OFFHOOK; break;
    case HookOp::Wink: x = DAHDI_WINK; break;
    case HookOp::Flash: x = DAHDI_FLASH; break;
    case HookOp::Ring: x = DAHDI_RING; break;
    case HookOp::RingOff: x = DAHDI_RINGOFF; break;
  }
  if (kernel_.ioctl(fd_, DAHDI_HOOK, &x)) fail("DAHDI_HOOK");
}

int DahdiChannel::rxBits() {
  int bits = 0;
  if (kernel_.ioctl(fd_, DAHDI_GETRXBITS, &bits)) fail("DAHDI_GETRXBITS");
  return bits;
}

void DahdiChannel::setTxBits(int abcd) {
  if (kernel_.ioctl(fd_, DAHDI_SETTXBITS, &abcd)) fail("DAHDI_SETTXBITS");
}

void DahdiChannel::setPolarity(int reversed) {
  if (kernel_.ioctl(fd_, DAHDI_SETPOLARITY, &reversed)) fail("DAHDI_SETPOLARITY");
}

void DahdiChannel::setToneDetect(bool on) {
  int x = on ? (DAHDI_TONEDETECT_ON | DAHDI_TONEDETECT_MUTE) : 0;
  if (kernel_.ioctl(fd_, DAHDI_TONEDETECT, &x)) fail("DAHDI_TONEDETECT");
}

SpanStatus readSpanStatus(Syscalls& kernel, int span) {
  int fd = kernel.open("/dev/dahdi/ctl", O_RDWR);
  if (fd < 0) throw BackendError("open /dev/dahdi/ctl", errno);
  dahdi_spaninfo si{};
  si.spanno = span;
  int r = kernel.ioctl(fd, DAHDI_SPANSTAT, &si);
  int err = errno;
  kernel.close(fd);
  if (r) throw BackendError("DAHDI_SPANSTAT on span " + std::to_string(span), err);
  SpanStatus s;
  s.span = si.spanno;
  s.name.assign(si.name, strnlen(si.name, sizeof si.name));
  s.description.assign(si.desc, strnlen(si.desc, sizeof si.desc));
  s.alarms = si.alarms;
  s.bpvCount = si.bpvcount;
  s.crc4Count = si.crc4count;
  s.ebitCount = si.ebitcount;
  s.fasCount = si.fascount;
  s.irqMisses = si.irqmisses;
  s.totalChannels = si.totalchans;
  s.lineConfig = si.lineconfig;
  s.spanType.assign(si.spantype, strnlen(si.spantype, sizeof si.spantype));
  return s;
}

}  // namespace sipline::backends
