// The DAHDI backend: one open channel of /dev/dahdi, and span status.
// Reaches the kernel only through a Syscalls table, so the same code runs
// on the real driver and on the emulated card.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "backends/syscalls.h"
#include "coded_error.h"

namespace sipline::backends {

/** A kernel call failed; names the call and the channel, carries errno. */
class BackendError : public CodedError {
 public:
  BackendError(const std::string& what, int err);
  int err() const { return err_; }
  const char* code() const noexcept override;

 private:
  int err_;
};

enum class ChannelMode { Audio, Hdlc };

struct DahdiChannelConfig {
  int number = 0;       // DAHDI channel number (global, from 1)
  ChannelMode mode = ChannelMode::Audio;
  int blockSize = 160;  // samples per read/write: 160 = 20 ms, down to 64 = 8 ms
};

constexpr int kMinBlockSize = 64;    // 8 ms at 8 kHz
constexpr int kMaxBlockSize = 1600;  // 200 ms
constexpr int kMaxHdlcFrame = 1024;  // bytes of one D-channel frame with its address and control

/** Hook operations of DAHDI_HOOK. */
enum class HookOp { Onhook, Offhook, Wink, Flash, Ring, RingOff };

struct SpanStatus {
  int span = 0;
  std::string name;
  std::string description;
  int alarms = 0;  // DAHDI_ALARM_* bits
  int bpvCount = 0;
  int crc4Count = 0;
  int ebitCount = 0;
  int fasCount = 0;
  int irqMisses = 0;
  int totalChannels = 0;
  int lineConfig = 0;  // DAHDI_CONFIG_* bits
  std::string spanType;
};

/** Reads DAHDI_SPANSTAT for one span through /dev/dahdi/ctl. */
SpanStatus readSpanStatus(Syscalls& kernel, int span);

class DahdiChannel {
 public:
  /** Opens /dev/dahdi/channel and binds it (DAHDI_SPECIFY); throws BackendError. */
  DahdiChannel(Syscalls& kernel, const DahdiChannelConfig& config);
  ~DahdiChannel();
  DahdiChannel(const DahdiChannel&) = delete;
  DahdiChannel& operator=(const DahdiChannel&) = delete;

  int fd() const { return fd_; }
  const DahdiChannelConfig& config() const { return config_; }

  /**
   * Reads one block of linear samples. Returns the sample count, 0 when
   * nothing is ready, -1 when a signalling event must be read first (ELAST).
   * Throws BackendError on any other failure.
   */
  long readAudio(int16_t* out, std::size_t maxSamples);
  /** Writes linear samples; returns how many the kernel took (0 when full). */
  long writeAudio(const int16_t* samples, std::size_t n);

  /** Reads one whole HDLC frame (FCS checked and stripped by the driver); 0 when none. */
  long readFrame(uint8_t* out, std::size_t max);
  void writeFrame(const uint8_t* frame, std::size_t n);

  /** Next DAHDI_EVENT_* code, or 0 (DAHDI_EVENT_NONE). */
  int getEvent();
  void hook(HookOp op);
  int rxBits();
  void setTxBits(int abcd);
  /** Reverses (1) or restores (0) the loop polarity of an FXS port. */
  void setPolarity(int reversed);
  /** Asks the hardware to report DTMF (DAHDI_EVENT_DTMFDOWN/UP). */
  void setToneDetect(bool on);
  int span() const { return span_; }

 private:
  [[noreturn]] void fail(const char* what) const;

  Syscalls& kernel_;
  DahdiChannelConfig config_;
  int fd_ = -1;
  int span_ = 0;
};

}  // namespace sipline::backends
