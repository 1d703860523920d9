// The emulated card: a kernel in this process that answers the same
// syscall table as the DAHDI driver (see syscalls.h), with spans (T1: 24
// channels, D-channel on 24; E1: 31 time slots, D-channel on 16) and analog
// ports (FXO facing a central office, FXS facing a phone).
//
// Two sides: the near side is the syscall table the DAHDI backend drives;
// the far side (methods below the syscalls) is what the line, the central
// office, the phone or the switch does, driven from TypeScript (src/sim/).
// Timing follows the wall clock: one block of audio becomes readable every
// blockSize samples at 8 kHz, as on a card with its own clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/syscalls.h"

namespace sipline::backends {

enum class SimSpanType { T1, E1, Analog };
/** What a channel is on the emulated card. */
enum class SimChannelKind { Bearer, DChannel, Fxo, Fxs };

struct SimSpanSpec {
  SimSpanType type = SimSpanType::T1;
  bool pri = true;                    // digital: CCS with a D-channel; false: CAS (robbed bits / E1 CAS)
  std::vector<SimChannelKind> ports;  // analog: one entry (Fxo or Fxs) per port
  std::string name;
};

/** Something the card did that the far end sees. */
struct SimFarEvent {
  int channel = 0;
  std::string kind;  // hook, ring, flash, wink, polarity, bits, frame
  int value = 0;
  std::vector<uint8_t> data;  // frame: the D-channel frame
};

struct SimChannelState {
  int span = 0;
  int position = 0;
  SimChannelKind kind = SimChannelKind::Bearer;
  bool open = false;
  bool nearOffhook = false;  // the card's hook (FXO port, CAS)
  bool farOffhook = false;   // the phone's hook (FXS port), the far CAS end
  bool ringing = false;      // FXO: the CO rings the card; FXS: the card rings the phone
  bool reversed = false;     // loop polarity reversed
  bool battery = true;       // FXO: loop current present
  int rxBits = 0;
  int txBits = 0;
  int blockSize = 160;
  bool hdlc = false;
  bool toneDetect = false;
};

struct SimChannelStats {
  uint64_t blocksRead = 0;
  uint64_t blocksLost = 0;      // read too late: the card's buffer overran (DAHDI numbufs)
  uint64_t samplesWritten = 0;
  uint64_t samplesDropped = 0;  // the far end did not read what the card sent
  uint64_t framesToCard = 0;
  uint64_t framesFromCard = 0;
};

class SimKernel final : public Syscalls {
 public:
  explicit SimKernel(const std::vector<SimSpanSpec>& spans);
  ~SimKernel() override;

  // The near side: the syscall table (rules in syscalls.h).
  int open(const char* path, int flags) override;
  int close(int fd) override;
  int ioctl(int fd, unsigned long request, void* arg) override;
  ssize_t read(int fd, void* buf, std::size_t n) override;
  ssize_t write(int fd, const void* buf, std::size_t n) override;
  int poll(struct pollfd* fds, nfds_t n, int timeoutMs) override;

  // The far side. Each throws std::invalid_argument naming the channel when
  // the operation does not apply to it (ringing a T1 channel, ...).
  int channelCount() const;
  int spanCount() const;
  /** The central office rings an FXO port (on) or ends the ring burst (off). */
  void ring(int channel, bool on);
  /** The phone on an FXS port, or the far E&M end of a CAS channel, goes off or on hook. */
  void setFarHook(int channel, bool offhook);
  /** The phone flashes the hook (FXS port). */
  void flash(int channel);
  /** The far CAS end winks. */
  void wink(int channel);
  /** The central office reverses (or restores) loop polarity on an FXO port. */
  void setPolarity(int channel, bool reversed);
  /** The central office drops (false) or restores loop current on an FXO port. */
  void setBattery(int channel, bool present);
  /** The far CAS end sets its ABCD bits. */
  void setRxBits(int channel, int abcd);
  /** Raises DAHDI_ALARM_* bits on a span (0 clears them). */
  void setAlarms(int span, int alarms);
  void addLineErrors(int span, int bpv, int crc4, int ebit, int fas);
  /** Audio towards the card; loop repeats it until replaced or cleared by an empty loop. */
  void writeAudio(int channel, const int16_t* samples, std::size_t n, bool loop);
  /**
   * Line echo (the hybrid's): what the card sends comes back into what it
   * receives, delayMs later and lossDb quieter. lossDb < 0 turns it off.
   */
  void setEcho(int channel, float lossDb, int delayMs);
  /** Audio the card sent, oldest first. */
  std::size_t readAudio(int channel, int16_t* out, std::size_t max);
  /** A D-channel frame from the switch to the card. */
  void writeFrame(int channel, const uint8_t* frame, std::size_t n);
  /** A damaged D-channel frame (DAHDI_EVENT_BADFCS or DAHDI_EVENT_ABORT). */
  void frameError(int channel, int dahdiEvent);
  /** A DTMF digit detected by the card's own hardware (only with DAHDI_TONEDETECT on). */
  bool hardwareDtmf(int channel, char digit);
  /** A phone on an FXS port dials a digit by loop disconnect; the kernel counts the breaks (DAHDI_EVENT_PULSEDIGIT). */
  void pulseDigit(int channel, char digit);
  std::vector<SimFarEvent> takeEvents();
  SimChannelState state(int channel) const;
  SimChannelStats stats(int channel) const;
  /** Called from any thread when a far event is queued; must not block. */
  void setNotify(std::function<void()> notify);

  static constexpr int kWinkMs = 150;   // DAHDI_DEFAULT_WINKTIME
  static constexpr int kFlashMs = 750;  // DAHDI_DEFAULT_FLASHTIME

 private:
  struct Channel;
  struct Span;
  struct Timer;
  using Clock = std::chrono::steady_clock;

  Channel& channelAt(int channel);
  const Channel& channelAt(int channel) const;
  Channel* boundChannel(int fd);
  uint64_t clockSamples(Clock::time_point now) const;
  void alignRead(Channel& c, Clock::time_point now);
  void dropLateBlocks(Channel& c, uint64_t clock);
  void fillRx(Channel& c, int16_t* out, std::size_t n);
  void nearEvent(Channel& c, int event);
  void farEvent(Channel& c, const char* kind, int value, std::vector<uint8_t> data = {});
  void addTimer(int ms, Channel& c, int nearEvent, const char* farKind, int farValue, int txBits);
  void runTimers(Clock::time_point now);
  int hook(Channel& c, int op);
  int fail(int err) const;

  mutable std::mutex m_;
  std::condition_variable cv_;
  Clock::time_point start_;
  std::vector<std::unique_ptr<Span>> spans_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<int> fds_;  // fd - kFdBase -> channel number (0: /dev/dahdi/ctl or unbound, -1: closed)
  std::vector<bool> fdIsCtl_;
  std::vector<Timer> timers_;
  std::deque<SimFarEvent> farEvents_;
  std::function<void()> notify_;
};

}  // namespace sipline::backends
