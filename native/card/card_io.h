// One card at run time: its open channels, the real-time I/O thread that
// polls them all, the bounded per-channel queues of audio from JavaScript,
// and the per-tick batch of frames and events handed upwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backends/dahdi_channel.h"
#include "backends/syscalls.h"
#include "dsp/channel_dsp.h"

namespace sipline::card {

struct CardChannelSpec {
  backends::DahdiChannelConfig channel;
  int txQueueFrames = 4;       // audio frames from JavaScript waiting to be written
  bool hardwareDtmf = false;   // ask the card's own DTMF detector (DAHDI_TONEDETECT)
  std::shared_ptr<const dsp::ChannelDspConfig> dsp;  // null: no DSP on this channel
};

/** One discrete thing that happened on a channel during a tick. */
struct CardEvent {
  int handle = 0;
  std::string kind;  // see eventKind() in card_io.cc and src/hw/addon.ts
  int value = 0;     // digit (as a character code), CAS bits, bytes of a frame
  std::vector<uint8_t> data;  // frame: the whole D-channel frame
  // DSP events (kind dtmf-begin, dtmf, caller-id, tone, tone-ended):
  uint64_t atSample = 0;
  int durationMs = 0;
  float levelDbm0 = 0;
  std::string text;  // digit or tone name
  std::shared_ptr<dsp::CallerId> callerId;
};

/** The power meter and echo canceller of a channel, as of its last tick. */
struct ChannelLevels {
  float rxDbm0 = -99;
  float txDbm0 = -99;
  float erleDb = 0;
};

/** Everything one tick produced, for all channels at once. */
struct Batch {
  uint64_t tick = 0;
  int64_t readyNs = 0;          // CLOCK_MONOTONIC when the poll returned
  std::vector<int16_t> audio;   // all channels' received frames, back to back
  std::vector<int32_t> index;   // per frame: handle, offset in audio, samples
  std::vector<CardEvent> events;
};

struct ChannelCounters {
  std::atomic<uint64_t> framesRead{0};
  std::atomic<uint64_t> framesWritten{0};
  std::atomic<uint64_t> underruns{0};  // nothing queued from JavaScript: silence written
  std::atomic<uint64_t> overruns{0};   // queue full: the oldest queued frame dropped
  std::atomic<uint64_t> hdlcFramesIn{0};
  std::atomic<uint64_t> hdlcFramesOut{0};
  std::atomic<uint64_t> events{0};
};

class Card {
 public:
  /** Returns false when the batch could not be handed over (it is then dropped and counted). */
  using Deliver = std::function<bool(std::unique_ptr<Batch>)>;

  /** Opens every channel (throws BackendError naming the first that fails). */
  Card(backends::Syscalls& kernel, std::shared_ptr<void> kernelOwner, const std::vector<CardChannelSpec>& channels, Deliver deliver);
  ~Card();
  Card(const Card&) = delete;
  Card& operator=(const Card&) = delete;

  void start();
  /** Stops the I/O thread and closes the channels; idempotent. */
  void stop();
  bool realtime() const { return realtime_; }

  int channelCount() const { return static_cast<int>(channels_.size()); }
  /** Queues whole frames of audio for a channel; drops the oldest when full. */
  void writeAudio(int handle, const int16_t* samples, std::size_t n);
  void writeFrame(int handle, const uint8_t* frame, std::size_t n);
  void hook(int handle, backends::HookOp op);
  int rxBits(int handle);
  void setTxBits(int handle, int abcd);
  void setPolarity(int handle, int reversed);
  backends::SpanStatus spanStatus(int span);
  // DSP requests; run on the I/O thread at its next tick. Checked here so
  // that a bad request throws to the caller (BackendError EINVAL).
  void sendDigits(int handle, const std::string& digits);
  void playTone(int handle, const std::string& name);
  void stopTone(int handle);
  void sendCallerId(int handle, const dsp::CallerId& callerId);
  ChannelLevels levels(int handle);
  int span(int handle);
  const ChannelCounters& counters(int handle);
  uint64_t ticks() const { return ticks_; }
  uint64_t batchesDropped() const { return batchesDropped_; }

 private:
  struct Channel;
  Channel& at(int handle);
  void run();
  void drainEvents(Channel& c, int handle, Batch& batch);
  Channel& withDsp(int handle, const char* what);
  void queue(int handle, std::function<void(dsp::ChannelDsp&)> fn);
  void runCommands(Batch& batch);
  void transmit(Channel& c);
  void errorEvent(int handle, const std::exception& err, Batch& batch);
  void send(std::unique_ptr<Batch> batch);

  backends::Syscalls& kernel_;
  std::shared_ptr<void> kernelOwner_;
  std::vector<std::unique_ptr<Channel>> channels_;
  Deliver deliver_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopped_{false};
  bool realtime_ = false;
  std::mutex txMutex_;
  struct Command {
    int handle;
    std::function<void(dsp::ChannelDsp&)> fn;
  };
  std::mutex commandMutex_;
  std::vector<Command> commands_;
  std::atomic<uint64_t> ticks_{0};
  std::atomic<uint64_t> batchesDropped_{0};
  // Events of batches JavaScript had no room for, sent with the next one.
  std::vector<CardEvent> carried_;
};

/** Name of a DAHDI_EVENT_* code as the batch carries it. */
std::string eventKind(int dahdiEvent);

}  // namespace sipline::card
