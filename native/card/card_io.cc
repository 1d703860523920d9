// The card's I/O thread. One poll over every channel fd per tick; a tick's
// frames and events leave in one batch (DESIGN.md: one callback per tick).
#include "card/card_io.h"

#include <dahdi/user.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sipline::card {

using backends::BackendError;
using backends::ChannelMode;
using backends::DahdiChannel;

struct Card::Channel {
  std::unique_ptr<DahdiChannel> io;
  CardChannelSpec spec;
  ChannelCounters counters;
  // Bounded ring of frames from JavaScript (guarded by Card::txMutex_).
  std::vector<int16_t> txRing;
  int txHead = 0, txCount = 0;
  std::vector<int16_t> rx, tx, clean;
  std::unique_ptr<dsp::ChannelDsp> dsp;
  std::vector<dsp::DspEvent> dspEvents;
  std::mutex levelMutex;
  ChannelLevels levels;
};

std::string eventKind(int e) {
  if (e & DAHDI_EVENT_DTMFDOWN) return "dtmfDown";
  if (e & DAHDI_EVENT_DTMFUP) return "dtmfUp";
  if (e & DAHDI_EVENT_PULSEDIGIT) return "pulseDigit";
  switch (e) {
    case DAHDI_EVENT_ONHOOK: return "onhook";
    case DAHDI_EVENT_RINGOFFHOOK: return "ringOffhook";
    case DAHDI_EVENT_WINKFLASH: return "winkFlash";
    case DAHDI_EVENT_ALARM: return "alarm";
    case DAHDI_EVENT_NOALARM: return "noAlarm";
    case DAHDI_EVENT_ABORT: return "hdlcAbort";
    case DAHDI_EVENT_OVERRUN: return "hdlcOverrun";
    case DAHDI_EVENT_BADFCS: return "hdlcBadFcs";
    case DAHDI_EVENT_DIALCOMPLETE: return "dialComplete";
    case DAHDI_EVENT_RINGERON: return "ringerOn";
    case DAHDI_EVENT_RINGEROFF: return "ringerOff";
    case DAHDI_EVENT_HOOKCOMPLETE: return "hookComplete";
    case DAHDI_EVENT_BITSCHANGED: return "bitsChanged";
    case DAHDI_EVENT_PULSE_START: return "pulseStart";
    case DAHDI_EVENT_POLARITY: return "polarity";
    case DAHDI_EVENT_RINGBEGIN: return "ringBegin";
    case DAHDI_EVENT_EC_DISABLED: return "ecDisabled";
    case DAHDI_EVENT_REMOVED: return "removed";
    case DAHDI_EVENT_READ_OVERRUN: return "readOverrun";
    case DAHDI_EVENT_WRITE_UNDERRUN: return "writeUnderrun";
    default: return "event" + std::to_string(e);
  }
}

static int64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

Card::Card(backends::Syscalls& kernel, std::shared_ptr<void> kernelOwner, const std::vector<CardChannelSpec>& channels, Deliver deliver)
    : kernel_(kernel), kernelOwner_(std::move(kernelOwner)), deliver_(std::move(deliver)) {
  for (const auto& spec : channels) {
    if (spec.txQueueFrames < 1 || spec.txQueueFrames > 50) {
      throw BackendError("channel " + std::to_string(spec.channel.number) + ": tx queue of " + std::to_string(spec.txQueueFrames) + " frames (1 to 50 allowed)", EINVAL);
    }
    auto c = std::make_unique<Channel>();
    c->spec = spec;
    c->io = std::make_unique<DahdiChannel>(kernel_, spec.channel);
    if (spec.hardwareDtmf) c->io->setToneDetect(true);
    std::size_t block = static_cast<std::size_t>(spec.channel.blockSize);
    c->txRing.assign(block * static_cast<std::size_t>(spec.txQueueFrames), 0);
    c->rx.assign(spec.channel.mode == ChannelMode::Hdlc ? backends::kMaxHdlcFrame : block, 0);
    c->tx.assign(block, 0);
    if (spec.dsp) {
      if (spec.channel.mode != ChannelMode::Audio) throw BackendError("channel " + std::to_string(spec.channel.number) + ": a D-channel has no DSP", EINVAL);
      try {
        c->dsp = std::make_unique<dsp::ChannelDsp>(*spec.dsp);
      } catch (const dsp::DspError& e) {
        throw BackendError("channel " + std::to_string(spec.channel.number) + ": DSP: " + e.what(), EINVAL);
      }
      c->clean.assign(block, 0);
    }
    channels_.push_back(std::move(c));
  }
}

Card::~Card() { stop(); }

void Card::start() {
  if (running_ || stopped_) return;
  running_ = true;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (...) {
    running_ = false;  // no thread (EAGAIN): a later start() may try again
    throw;
  }
  // Real-time priority when allowed (CAP_SYS_NICE); the card works without it.
  sched_param sp{};
  sp.sched_priority = 10;
  realtime_ = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &sp) == 0;
}

void Card::stop() {
  if (stopped_.exchange(true)) return;
  running_ = false;
  if (thread_.joinable()) thread_.join();
  channels_.clear();  // closes every fd
}

Card::Channel& Card::at(int handle) {
  if (stopped_) throw BackendError("card is closed", EBADF);
  if (handle < 0 || handle >= static_cast<int>(channels_.size())) throw BackendError("no channel handle " + std::to_string(handle), EINVAL);
  return *channels_[handle];
}

void Card::writeAudio(int handle, const int16_t* samples, std::size_t n) {
  Channel& c = at(handle);
  if (c.spec.channel.mode != ChannelMode::Audio) throw BackendError("channel " + std::to_string(c.spec.channel.number) + " is a D-channel, not audio", EINVAL);
  std::size_t block = static_cast<std::size_t>(c.spec.channel.blockSize);
  if (n == 0 || n % block) {
    throw BackendError("audio for channel " + std::to_string(c.spec.channel.number) + " must be whole frames of " + std::to_string(block) + " samples, got " + std::to_string(n), EINVAL);
  }
  std::lock_guard<std::mutex> lk(txMutex_);
  int cap = c.spec.txQueueFrames;
  for (std::size_t off = 0; off < n; off += block) {
    if (c.txCount == cap) {
      c.txHead = (c.txHead + 1) % cap;  // overrun: the oldest frame goes
      c.txCount--;
      c.counters.overruns++;
    }
    int slot = (c.txHead + c.txCount) % cap;
    std::memcpy(c.txRing.data() + static_cast<std::size_t>(slot) * block, samples + off, block * sizeof(int16_t));
    c.txCount++;
  }
}

void Card::writeFrame(int handle, const uint8_t* frame, std::size_t n) {
  Channel& c = at(handle);
  if (c.spec.channel.mode != ChannelMode::Hdlc) throw BackendError("channel " + std::to_string(c.spec.channel.number) + " is not a D-channel", EINVAL);
  c.io->writeFrame(frame, n);
  c.counters.hdlcFramesOut++;
}

void Card::hook(int handle, backends::HookOp op) { at(handle).io->hook(op); }
int Card::rxBits(int handle) { return at(handle).io->rxBits(); }
void Card::setTxBits(int handle, int abcd) { at(handle).io->setTxBits(abcd); }
void Card::setPolarity(int handle, int reversed) { at(handle).io->setPolarity(reversed); }
int Card::span(int handle) { return at(handle).io->span(); }
const ChannelCounters& Card::counters(int handle) { return at(handle).counters; }

backends::SpanStatus Card::spanStatus(int span) {
  if (stopped_) throw BackendError("card is closed", EBADF);
  return backends::readSpanStatus(kernel_, span);
}

Card::Channel& Card::withDsp(int handle, const char* what) {
  Channel& c = at(handle);
  if (!c.dsp) throw BackendError(std::string(what) + ": channel " + std::to_string(c.spec.channel.number) + " has no DSP", EINVAL);
  return c;
}

void Card::queue(int handle, std::function<void(dsp::ChannelDsp&)> fn) {
  std::lock_guard<std::mutex> lk(commandMutex_);
  commands_.push_back(Command{handle, std::move(fn)});
}

void Card::sendDigits(int handle, const std::string& digits) {
  withDsp(handle, "send digits");
  for (char d : digits) {
    if (!d || !std::strchr("0123456789*#ABCD", d)) throw BackendError(std::string("send digits: '") + d + "' is not a DTMF digit (0-9 * # A-D)", EINVAL);
  }
  queue(handle, [digits](dsp::ChannelDsp& dsp) { dsp.sendDigits(digits); });
}

void Card::playTone(int handle, const std::string& name) {
  Channel& c = withDsp(handle, "play tone");
  bool known = false;
  for (const auto& t : c.spec.dsp->tones) known = known || t.name == name;
  if (!known) throw BackendError("play tone: channel " + std::to_string(c.spec.channel.number) + " has no tone named '" + name + "' in its zone", EINVAL);
  queue(handle, [name](dsp::ChannelDsp& dsp) { dsp.playTone(name); });
}

void Card::stopTone(int handle) {
  withDsp(handle, "stop tone");
  queue(handle, [](dsp::ChannelDsp& dsp) { dsp.stopTone(); });
}

void Card::sendCallerId(int handle, const dsp::CallerId& callerId) {
  Channel& c = withDsp(handle, "send caller ID");
  if (c.spec.dsp->callerIdTx == dsp::CallerIdStandard::None) {
    throw BackendError("send caller ID: channel " + std::to_string(c.spec.channel.number) + " has no caller ID standard for sending (callerIdTx)", EINVAL);
  }
  queue(handle, [callerId](dsp::ChannelDsp& dsp) { dsp.sendCallerId(callerId); });
}

ChannelLevels Card::levels(int handle) {
  Channel& c = withDsp(handle, "levels");
  std::lock_guard<std::mutex> lk(c.levelMutex);
  return c.levels;
}

void Card::runCommands(Batch& batch) {
  std::vector<Command> now;
  {
    std::lock_guard<std::mutex> lk(commandMutex_);
    if (commands_.empty()) return;
    now.swap(commands_);
  }
  for (auto& cmd : now) {
    try {
      cmd.fn(*channels_[cmd.handle]->dsp);
    } catch (const std::exception& err) {
      errorEvent(cmd.handle, err, batch);
    }
  }
}

void Card::drainEvents(Channel& c, int handle, Batch& batch) {
  for (int guard = 0; guard < 64; guard++) {
    int e = c.io->getEvent();
    if (e == DAHDI_EVENT_NONE) return;
    CardEvent ev;
    ev.handle = handle;
    ev.kind = eventKind(e);
    if (e & (DAHDI_EVENT_DTMFDOWN | DAHDI_EVENT_DTMFUP | DAHDI_EVENT_PULSEDIGIT)) ev.value = e & 0xff;
    if (e == DAHDI_EVENT_BITSCHANGED) ev.value = c.io->rxBits();
    batch.events.push_back(std::move(ev));
    c.counters.events++;
  }
}

void Card::transmit(Channel& c) {
  std::size_t block = static_cast<std::size_t>(c.spec.channel.blockSize);
  {
    std::lock_guard<std::mutex> lk(txMutex_);
    if (c.txCount) {
      std::memcpy(c.tx.data(), c.txRing.data() + static_cast<std::size_t>(c.txHead) * block, block * sizeof(int16_t));
      c.txHead = (c.txHead + 1) % c.spec.txQueueFrames;
      c.txCount--;
    } else {
      std::fill(c.tx.begin(), c.tx.end(), 0);
      c.counters.underruns++;
    }
  }
  if (c.dsp) {
    c.dsp->tx(c.tx.data(), block);  // digits, caller ID and zone tones mixed in; the echo reference
    std::lock_guard<std::mutex> lk(c.levelMutex);
    c.levels = ChannelLevels{c.dsp->rxLevelDbm0(), c.dsp->txLevelDbm0(), c.dsp->echoReturnLossEnhancementDb()};
  }
  if (c.io->writeAudio(c.tx.data(), block) > 0) c.counters.framesWritten++;
}

void Card::errorEvent(int handle, const std::exception& err, Batch& batch) {
  CardEvent ev;
  ev.handle = handle;
  ev.kind = "error";
  ev.data.assign(err.what(), err.what() + std::strlen(err.what()));
  batch.events.push_back(std::move(ev));
}

// One tick: read every ready channel (rx DSP included) and hand the batch
// over, then write one frame to each channel that was read (DAHDI paces
// writes by reads). Writing after the hand-over keeps the batch early;
// rx and tx still alternate per channel, as the echo canceller needs.
void Card::run() {
  std::vector<pollfd> fds(channels_.size());
  for (std::size_t k = 0; k < channels_.size(); k++) fds[k] = pollfd{channels_[k]->io->fd(), static_cast<short>(POLLIN | POLLPRI), 0};
  uint64_t tick = 0;
  std::size_t audioReserve = 0;
  for (const auto& c : channels_) {
    if (c->spec.channel.mode == ChannelMode::Audio) audioReserve += static_cast<std::size_t>(c->spec.channel.blockSize);
  }
  std::vector<int> toWrite;
  toWrite.reserve(channels_.size());
  while (running_) {
    int r = kernel_.poll(fds.data(), fds.size(), 20);
    if (r < 0) {
      if (errno == EINTR) continue;
      // The thread ends here: tell every channel rather than fall silent.
      BackendError err("poll", errno);
      auto last = std::make_unique<Batch>();
      last->readyNs = monotonicNs();
      for (std::size_t k = 0; k < channels_.size(); k++) errorEvent(static_cast<int>(k), err, *last);
      last->tick = ++tick;
      ticks_ = tick;
      send(std::move(last));
      break;
    }
    if (r == 0) continue;
    auto batch = std::make_unique<Batch>();
    batch->readyNs = monotonicNs();
    batch->audio.reserve(audioReserve);
    batch->index.reserve(channels_.size() * 3);
    runCommands(*batch);
    toWrite.clear();
    for (std::size_t k = 0; k < channels_.size(); k++) {
      short re = fds[k].revents;
      if (!re) continue;
      Channel& c = *channels_[k];
      int handle = static_cast<int>(k);
      try {
        // POLLERR, POLLHUP or POLLNVAL alone would return at once on every
        // poll and spin this thread: the channel is dropped instead.
        if (!(re & (POLLIN | POLLPRI))) {
          throw BackendError("poll on channel " + std::to_string(c.spec.channel.number) + " reported " +
                                 (re & POLLNVAL ? "POLLNVAL" : re & POLLHUP ? "POLLHUP" : "POLLERR"),
                             re & POLLNVAL ? EBADF : EIO);
        }
        if (re & POLLPRI) drainEvents(c, handle, *batch);
        if (!(re & POLLIN)) continue;
        if (c.spec.channel.mode == ChannelMode::Hdlc) {
          for (;;) {
            long n = c.io->readFrame(reinterpret_cast<uint8_t*>(c.rx.data()), c.rx.size() * sizeof(int16_t));
            if (n <= 0) break;
            CardEvent ev;
            ev.handle = handle;
            ev.kind = "frame";
            ev.value = static_cast<int>(n);
            ev.data.assign(reinterpret_cast<uint8_t*>(c.rx.data()), reinterpret_cast<uint8_t*>(c.rx.data()) + n);
            batch->events.push_back(std::move(ev));
            c.counters.hdlcFramesIn++;
          }
          continue;
        }
        std::size_t block = static_cast<std::size_t>(c.spec.channel.blockSize);
        long n = c.io->readAudio(c.rx.data(), block);
        if (n < 0) {  // an event got there first
          drainEvents(c, handle, *batch);
          n = c.io->readAudio(c.rx.data(), block);
        }
        if (n <= 0) continue;
        const int16_t* heard = c.rx.data();
        if (c.dsp) {
          // Echo canceller (against what tx() sent), gain, power meter, detectors.
          c.dspEvents.clear();
          c.dsp->rx(c.rx.data(), static_cast<std::size_t>(n), c.dspEvents, c.clean.data());
          heard = c.clean.data();
          for (auto& de : c.dspEvents) {
            CardEvent ev;
            ev.handle = handle;
            ev.kind = dsp::dspEventKindName(de.kind);
            ev.atSample = de.atSample;
            ev.durationMs = de.durationMs;
            ev.levelDbm0 = de.levelDbm0;
            if (de.digit) ev.text = std::string(1, de.digit);
            if (!de.tone.empty()) ev.text = de.tone;
            if (de.kind == dsp::DspEventKind::CallerId) ev.callerId = std::make_shared<dsp::CallerId>(std::move(de.callerId));
            batch->events.push_back(std::move(ev));
          }
        }
        batch->index.push_back(handle);
        batch->index.push_back(static_cast<int32_t>(batch->audio.size()));
        batch->index.push_back(static_cast<int32_t>(n));
        batch->audio.insert(batch->audio.end(), heard, heard + n);
        c.counters.framesRead++;
        toWrite.push_back(handle);
      } catch (const std::exception& err) {
        errorEvent(handle, err, *batch);
        fds[k].fd = -1;  // stop polling a channel the kernel refuses
      }
    }
    if (!batch->index.empty() || !batch->events.empty() || !carried_.empty()) {
      batch->tick = ++tick;
      ticks_ = tick;
      send(std::move(batch));
    }
    if (toWrite.empty()) continue;
    auto late = std::make_unique<Batch>();  // errors found while writing go out with the next tick
    for (int handle : toWrite) {
      try {
        transmit(*channels_[handle]);
      } catch (const std::exception& err) {
        errorEvent(handle, err, *late);
        fds[handle].fd = -1;
      }
    }
    if (!late->events.empty()) {
      late->readyNs = monotonicNs();
      late->tick = ++tick;
      ticks_ = tick;
      send(std::move(late));
    }
  }
}

// A batch JavaScript has no room for (it fell 16 ticks behind) loses its
// audio, which is late by then; its events (a hook change, a digit, a frame)
// are never lost: they go out ahead of the next batch's.
void Card::send(std::unique_ptr<Batch> batch) {
  if (!carried_.empty()) {
    batch->events.insert(batch->events.begin(), std::make_move_iterator(carried_.begin()), std::make_move_iterator(carried_.end()));
    carried_.clear();
  }
  std::vector<CardEvent> events;
  if (!batch->events.empty()) events = batch->events;
  if (deliver_(std::move(batch))) return;
  batchesDropped_++;
  carried_ = std::move(events);
  // JavaScript that never catches up does not grow this without end.
  constexpr std::size_t kCarriedMax = 4096;
  if (carried_.size() > kCarriedMax) carried_.erase(carried_.begin(), carried_.end() - kCarriedMax);
}

}  // namespace sipline::card
