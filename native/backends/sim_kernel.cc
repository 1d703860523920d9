// The emulated card. Semantics follow the DAHDI driver as chan_dahdi sees it
// (dahdi/user.h event and ioctl meanings); where the driver's behaviour
// depends on hardware, the choice made here is written beside it.
#include "backends/sim_kernel.h"

#include <dahdi/user.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sipline::backends {
namespace {

constexpr int kFdBase = 1 << 20;  // far above real fds, so a mix-up fails with EBADF
constexpr int kAudioNumBufs = 4;  // blocks the card buffers before a late reader loses one
constexpr std::size_t kFarAudioMax = 8000;  // 1 s of audio the far end has not read yet
constexpr std::size_t kFrameQueueMax = 32;
constexpr std::size_t kFarEventsMax = 10000;
constexpr int kEmOffhookBits = DAHDI_ABIT | DAHDI_BBIT | DAHDI_CBIT | DAHDI_DBIT;
constexpr int kEmOnhookBits = 0;

std::string kindName(SimChannelKind k) {
  switch (k) {
    case SimChannelKind::Bearer: return "bearer";
    case SimChannelKind::DChannel: return "D-channel";
    case SimChannelKind::Fxo: return "FXO port";
    case SimChannelKind::Fxs: return "FXS port";
  }
  return "channel";
}

}  // namespace

struct SimKernel::Span {
  int number = 0;
  SimSpanSpec spec;
  int firstChannel = 0;
  int channels = 0;
  int alarms = DAHDI_ALARM_NONE;
  int bpv = 0, crc4 = 0, ebit = 0, fas = 0;
};

struct SimKernel::Channel {
  int number = 0;
  Span* span = nullptr;
  int position = 0;
  SimChannelKind kind = SimChannelKind::Bearer;
  bool cas = false;
  int fd = -1;
  int blockSize = 160;
  int numBufs = kAudioNumBufs;
  bool linear = false;
  bool hdlc = false;
  bool toneDetect = false;
  uint64_t readPos = 0;  // samples of the card clock already delivered (or lost)
  std::deque<int> events;
  std::deque<std::vector<uint8_t>> framesIn;
  std::deque<int16_t> audioIn;  // one-shot audio from the far end
  std::vector<int16_t> loopIn;  // repeated audio from the far end
  std::size_t loopPos = 0;
  std::vector<int16_t> audioOut;  // ring of what the card sent
  std::size_t outHead = 0, outSize = 0;
  float echoGain = 0;          // 0: no echo
  std::deque<int16_t> echoLine;  // what the card sent, on its way back
  bool nearOffhook = false, farOffhook = false, ringing = false, reversed = false, battery = true;
  int rxBits = kEmOnhookBits, txBits = kEmOnhookBits;
  SimChannelStats stats;
};

struct SimKernel::Timer {
  Clock::time_point at;
  int channel;
  int nearEvent;
  std::string farKind;
  int farValue;
  int txBits;  // -1: leave
};

SimKernel::SimKernel(const std::vector<SimSpanSpec>& spans) : start_(Clock::now()) {
  int next = 1;
  for (const auto& spec : spans) {
    auto span = std::make_unique<Span>();
    span->number = static_cast<int>(spans_.size()) + 1;
    span->spec = spec;
    span->firstChannel = next;
    std::vector<SimChannelKind> kinds;
    if (spec.type == SimSpanType::Analog) {
      if (spec.ports.empty()) throw std::invalid_argument("analog span " + std::to_string(span->number) + " has no ports");
      for (auto k : spec.ports) {
        if (k != SimChannelKind::Fxo && k != SimChannelKind::Fxs) throw std::invalid_argument("analog span ports must be FXO or FXS");
        kinds.push_back(k);
      }
    } else {
      // T1: 24 channels, D-channel on 24; E1: time slots 1-31, D-channel on 16.
      int n = spec.type == SimSpanType::T1 ? 24 : 31;
      int dchan = spec.type == SimSpanType::T1 ? 24 : 16;
      for (int i = 1; i <= n; i++) kinds.push_back(spec.pri && i == dchan ? SimChannelKind::DChannel : SimChannelKind::Bearer);
    }
    for (std::size_t i = 0; i < kinds.size(); i++) {
      auto c = std::make_unique<Channel>();
      c->number = next++;
      c->span = span.get();
      c->position = static_cast<int>(i) + 1;
      c->kind = kinds[i];
      c->cas = spec.type != SimSpanType::Analog && !spec.pri;
      c->hdlc = c->kind == SimChannelKind::DChannel;
      c->audioOut.assign(kFarAudioMax, 0);
      channels_.push_back(std::move(c));
    }
    span->channels = static_cast<int>(kinds.size());
    spans_.push_back(std::move(span));
  }
}

SimKernel::~SimKernel() = default;

int SimKernel::fail(int err) const {
  errno = err;
  return -1;
}

SimKernel::Channel& SimKernel::channelAt(int channel) {
  if (channel < 1 || channel > static_cast<int>(channels_.size())) {
    throw std::invalid_argument("no channel " + std::to_string(channel) + " on the emulated card (it has " +
                                std::to_string(channels_.size()) + ")");
  }
  return *channels_[channel - 1];
}

const SimKernel::Channel& SimKernel::channelAt(int channel) const {
  return const_cast<SimKernel*>(this)->channelAt(channel);
}

SimKernel::Channel* SimKernel::boundChannel(int fd) {
  std::size_t i = static_cast<std::size_t>(fd - kFdBase);
  if (fd < kFdBase || i >= fds_.size() || fds_[i] <= 0) return nullptr;
  return channels_[fds_[i] - 1].get();
}

uint64_t SimKernel::clockSamples(Clock::time_point now) const {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - start_).count();
  return static_cast<uint64_t>(us) * 8 / 1000;
}

// Blocks start on multiples of the block size of one card clock, so all
// channels with the same block size become readable together (one tick).
void SimKernel::alignRead(Channel& c, Clock::time_point now) {
  uint64_t clock = clockSamples(now);
  c.readPos = clock / c.blockSize * c.blockSize;
}

void SimKernel::dropLateBlocks(Channel& c, uint64_t clock) {
  uint64_t block = static_cast<uint64_t>(c.blockSize);
  std::vector<int16_t> sink;
  while (clock - c.readPos >= block * static_cast<uint64_t>(c.numBufs + 1)) {
    sink.resize(block);
    fillRx(c, sink.data(), block);  // the line kept talking while nobody read
    c.readPos += block;
    c.stats.blocksLost++;
  }
}

void SimKernel::fillRx(Channel& c, int16_t* out, std::size_t n) {
  std::size_t i = 0;
  for (; i < n && !c.audioIn.empty(); i++) {
    out[i] = c.audioIn.front();
    c.audioIn.pop_front();
  }
  if (!c.loopIn.empty()) {
    while (i < n) {
      std::size_t run = std::min(n - i, c.loopIn.size() - c.loopPos);
      std::memcpy(out + i, c.loopIn.data() + c.loopPos, run * sizeof(int16_t));
      i += run;
      c.loopPos = (c.loopPos + run) % c.loopIn.size();
    }
  }
  if (i < n) std::memset(out + i, 0, (n - i) * sizeof(int16_t));
  if (c.echoGain > 0) {
    for (std::size_t k = 0; k < n && !c.echoLine.empty(); k++) {
      int v = out[k] + c.echoLine.front();
      c.echoLine.pop_front();
      out[k] = static_cast<int16_t>(std::clamp(v, -32768, 32767));
    }
  }
}

void SimKernel::nearEvent(Channel& c, int event) {
  c.events.push_back(event);
  cv_.notify_all();
}

void SimKernel::farEvent(Channel& c, const char* kind, int value, std::vector<uint8_t> data) {
  if (farEvents_.size() >= kFarEventsMax) farEvents_.pop_front();
  farEvents_.push_back(SimFarEvent{c.number, kind, value, std::move(data)});
  if (notify_) notify_();
}

void SimKernel::addTimer(int ms, Channel& c, int nearEv, const char* farKind, int farValue, int txBits) {
  timers_.push_back(Timer{Clock::now() + std::chrono::milliseconds(ms), c.number, nearEv, farKind, farValue, txBits});
  cv_.notify_all();
}

void SimKernel::runTimers(Clock::time_point now) {
  for (std::size_t i = 0; i < timers_.size();) {
    if (timers_[i].at > now) {
      i++;
      continue;
    }
    Timer t = timers_[i];
    timers_.erase(timers_.begin() + static_cast<long>(i));
    Channel& c = *channels_[t.channel - 1];
    if (t.txBits >= 0) c.txBits = t.txBits;
    if (!t.farKind.empty()) farEvent(c, t.farKind.c_str(), t.farValue);
    if (t.nearEvent) nearEvent(c, t.nearEvent);
  }
}

// ---- near side ----

int SimKernel::open(const char* path, int flags) {
  std::lock_guard<std::mutex> lk(m_);
  std::string p(path ? path : "");
  if (p != "/dev/dahdi/channel" && p != "/dev/dahdi/ctl") return fail(ENOENT);
  fds_.push_back(0);
  fdIsCtl_.push_back(p == "/dev/dahdi/ctl");
  return kFdBase + static_cast<int>(fds_.size()) - 1;
}

int SimKernel::close(int fd) {
  std::lock_guard<std::mutex> lk(m_);
  std::size_t i = static_cast<std::size_t>(fd - kFdBase);
  if (fd < kFdBase || i >= fds_.size() || fds_[i] < 0) return fail(EBADF);
  if (fds_[i] > 0) {
    Channel& c = *channels_[fds_[i] - 1];
    c.fd = -1;
    c.events.clear();
    c.framesIn.clear();
    if (c.ringing && c.kind == SimChannelKind::Fxs) {
      c.ringing = false;
      farEvent(c, "ring", 0);
    }
  }
  fds_[i] = -1;
  cv_.notify_all();
  return 0;
}

int SimKernel::hook(Channel& c, int op) {
  switch (c.kind) {
    case SimChannelKind::DChannel:
      return fail(EINVAL);
    case SimChannelKind::Bearer:
      if (!c.cas) return fail(EINVAL);  // clear (PRI) bearer channels have no hook
      // E&M over robbed bits / E1 CAS: the hook is the A and B bits.
      switch (op) {
        case DAHDI_OFFHOOK:
        case DAHDI_ONHOOK:
          c.nearOffhook = op == DAHDI_OFFHOOK;
          c.txBits = c.nearOffhook ? kEmOffhookBits : kEmOnhookBits;
          farEvent(c, "hook", c.nearOffhook ? 1 : 0);
          return 0;
        case DAHDI_WINK:
          c.txBits = kEmOffhookBits;
          farEvent(c, "wink", 1);
          addTimer(kWinkMs, c, DAHDI_EVENT_HOOKCOMPLETE, "", 0, kEmOnhookBits);
          return 0;
        case DAHDI_FLASH:
          if (!c.nearOffhook) return fail(EINVAL);
          c.txBits = kEmOnhookBits;
          farEvent(c, "flash", 1);
          addTimer(kFlashMs, c, DAHDI_EVENT_HOOKCOMPLETE, "", 0, kEmOffhookBits);
          return 0;
        default:
          return fail(EINVAL);
      }
    case SimChannelKind::Fxo:
      // The card's FXO port faces a central office: it seizes and releases the loop.
      switch (op) {
        case DAHDI_OFFHOOK:
        case DAHDI_ONHOOK:
          c.nearOffhook = op == DAHDI_OFFHOOK;
          farEvent(c, "hook", c.nearOffhook ? 1 : 0);
          return 0;
        case DAHDI_FLASH:
          if (!c.nearOffhook) return fail(EINVAL);
          farEvent(c, "flash", 1);
          addTimer(kFlashMs, c, DAHDI_EVENT_HOOKCOMPLETE, "", 0, -1);
          return 0;
        case DAHDI_WINK:
          farEvent(c, "wink", 1);
          addTimer(kWinkMs, c, DAHDI_EVENT_HOOKCOMPLETE, "", 0, -1);
          return 0;
        default:
          return fail(EINVAL);  // a central office cannot be rung
      }
    case SimChannelKind::Fxs:
      // The card's FXS port feeds a phone: it rings it and stops ringing.
      switch (op) {
        case DAHDI_RING:
          if (c.farOffhook) return fail(EBUSY);
          if (!c.ringing) {
            c.ringing = true;
            farEvent(c, "ring", 1);
            nearEvent(c, DAHDI_EVENT_RINGERON);
          }
          return 0;
        case DAHDI_RINGOFF:
        case DAHDI_OFFHOOK:
        case DAHDI_ONHOOK:
          if (c.ringing) {
            c.ringing = false;
            farEvent(c, "ring", 0);
            nearEvent(c, DAHDI_EVENT_RINGEROFF);
          }
          return 0;
        case DAHDI_WINK:
          // Forward disconnect: an open loop for the wink time.
          farEvent(c, "wink", 1);
          addTimer(kWinkMs, c, DAHDI_EVENT_HOOKCOMPLETE, "", 0, -1);
          return 0;
        default:
          return fail(EINVAL);
      }
  }
  return fail(EINVAL);
}

int SimKernel::ioctl(int fd, unsigned long request, void* arg) {
  std::lock_guard<std::mutex> lk(m_);
  std::size_t i = static_cast<std::size_t>(fd - kFdBase);
  if (fd < kFdBase || i >= fds_.size() || fds_[i] < 0) return fail(EBADF);
  if (!arg) return fail(EFAULT);
  auto now = Clock::now();
  runTimers(now);
  if (request == DAHDI_SPANSTAT) {
    auto* si = static_cast<dahdi_spaninfo*>(arg);
    int n = si->spanno;
    if (n < 1 || n > static_cast<int>(spans_.size())) return fail(EINVAL);
    const Span& s = *spans_[n - 1];
    std::memset(si, 0, sizeof *si);
    si->spanno = n;
    std::string name = "SIM/" + std::to_string(n);
    std::string type = s.spec.type == SimSpanType::T1 ? "T1" : s.spec.type == SimSpanType::E1 ? "E1" : "analog";
    std::string desc = s.spec.name.empty() ? "sipline emulated " + type + " span " + std::to_string(n) : s.spec.name;
    std::strncpy(si->name, name.c_str(), sizeof si->name - 1);
    std::strncpy(si->desc, desc.c_str(), sizeof si->desc - 1);
    std::strncpy(si->spantype, type.c_str(), sizeof si->spantype - 1);
    std::strncpy(si->manufacturer, "sipline", sizeof si->manufacturer - 1);
    si->alarms = s.alarms;
    si->bpvcount = s.bpv;
    si->crc4count = s.crc4;
    si->ebitcount = s.ebit;
    si->fascount = s.fas;
    si->numchans = s.channels;
    si->totalchans = s.channels;
    si->totalspans = static_cast<int>(spans_.size());
    if (s.spec.type == SimSpanType::T1) si->lineconfig = DAHDI_CONFIG_ESF | DAHDI_CONFIG_B8ZS;
    if (s.spec.type == SimSpanType::E1) si->lineconfig = DAHDI_CONFIG_CCS | DAHDI_CONFIG_HDB3 | DAHDI_CONFIG_CRC4;
    return 0;
  }
  if (request == DAHDI_SPECIFY) {
    if (fdIsCtl_[i] || fds_[i] != 0) return fail(EINVAL);
    int n = *static_cast<int*>(arg);
    if (n < 1 || n > static_cast<int>(channels_.size())) return fail(ENXIO);
    Channel& c = *channels_[n - 1];
    if (c.fd >= 0) return fail(EBUSY);
    c.fd = fd;
    fds_[i] = n;
    c.blockSize = 160;  // DAHDI_DEFAULT_BLOCKSIZE
    c.numBufs = kAudioNumBufs;
    c.linear = false;
    c.hdlc = c.kind == SimChannelKind::DChannel;
    c.toneDetect = false;
    c.events.clear();
    c.framesIn.clear();
    alignRead(c, now);
    return 0;
  }
  Channel* cp = boundChannel(fd);
  if (!cp) return fail(EINVAL);
  Channel& c = *cp;
  switch (request) {
    case DAHDI_GET_PARAMS: {
      auto* p = static_cast<dahdi_params*>(arg);
      std::memset(p, 0, sizeof *p);
      p->channo = c.number;
      p->spanno = c.span->number;
      p->chanpos = c.position;
      switch (c.kind) {
        case SimChannelKind::DChannel: p->sigtype = DAHDI_SIG_HDLCFCS; break;
        case SimChannelKind::Fxo: p->sigtype = DAHDI_SIG_FXSKS; break;  // an FXO port uses FXS signalling
        case SimChannelKind::Fxs: p->sigtype = DAHDI_SIG_FXOKS; break;
        case SimChannelKind::Bearer: p->sigtype = c.hdlc ? DAHDI_SIG_HDLCFCS : c.cas ? DAHDI_SIG_EM : DAHDI_SIG_CLEAR; break;
      }
      p->rxisoffhook = c.farOffhook;
      p->rxbits = c.rxBits;
      p->txbits = c.txBits;
      p->chan_alarms = static_cast<__u32>(c.span->alarms);
      std::string name = "SIM/" + std::to_string(c.span->number) + "/" + std::to_string(c.position);
      std::strncpy(p->name, name.c_str(), sizeof p->name - 1);
      p->winktime = kWinkMs;
      p->flashtime = kFlashMs;
      return 0;
    }
    case DAHDI_SETLINEAR:
      c.linear = *static_cast<int*>(arg) != 0;
      return 0;
    case DAHDI_SET_BLOCKSIZE: {
      int b = *static_cast<int*>(arg);
      if (b < 16 || b > DAHDI_MAX_BLOCKSIZE) return fail(EINVAL);
      c.blockSize = b;
      alignRead(c, now);
      return 0;
    }
    case DAHDI_GET_BLOCKSIZE:
      *static_cast<int*>(arg) = c.blockSize;
      return 0;
    case DAHDI_HDLCFCSMODE:
      if (c.kind != SimChannelKind::Bearer && c.kind != SimChannelKind::DChannel) return fail(EINVAL);
      c.hdlc = *static_cast<int*>(arg) != 0;
      return 0;
    case DAHDI_SET_BUFINFO: {
      auto* bi = static_cast<dahdi_bufferinfo*>(arg);
      if (bi->numbufs < 1 || bi->numbufs > 32 || bi->bufsize < 16 || bi->bufsize > DAHDI_MAX_BLOCKSIZE) return fail(EINVAL);
      if (!c.hdlc) c.numBufs = bi->numbufs;
      return 0;
    }
    case DAHDI_GET_BUFINFO: {
      auto* bi = static_cast<dahdi_bufferinfo*>(arg);
      std::memset(bi, 0, sizeof *bi);
      bi->numbufs = c.numBufs;
      bi->bufsize = c.blockSize;
      return 0;
    }
    case DAHDI_GETEVENT: {
      int ev = DAHDI_EVENT_NONE;
      if (!c.events.empty()) {
        ev = c.events.front();
        c.events.pop_front();
      }
      *static_cast<int*>(arg) = ev;
      return 0;
    }
    case DAHDI_HOOK:
      return hook(c, *static_cast<int*>(arg));
    case DAHDI_GETRXBITS:
      if (!c.cas) return fail(EINVAL);
      *static_cast<int*>(arg) = c.rxBits;
      return 0;
    case DAHDI_SETTXBITS:
      if (!c.cas) return fail(EINVAL);
      c.txBits = *static_cast<int*>(arg) & 0xf;
      farEvent(c, "bits", c.txBits);
      return 0;
    case DAHDI_SETPOLARITY:
      if (c.kind != SimChannelKind::Fxs) return fail(EINVAL);
      c.reversed = *static_cast<int*>(arg) != 0;
      farEvent(c, "polarity", c.reversed ? 1 : 0);
      return 0;
    case DAHDI_TONEDETECT:
      c.toneDetect = (*static_cast<int*>(arg) & DAHDI_TONEDETECT_ON) != 0;
      return 0;
    default:
      return fail(ENOTTY);
  }
}

ssize_t SimKernel::read(int fd, void* buf, std::size_t n) {
  std::lock_guard<std::mutex> lk(m_);
  Channel* cp = boundChannel(fd);
  if (!cp) return fail(fd >= kFdBase ? EINVAL : EBADF);
  Channel& c = *cp;
  auto now = Clock::now();
  runTimers(now);
  if (c.hdlc) {
    if (c.framesIn.empty()) return fail(EAGAIN);
    std::vector<uint8_t> f = std::move(c.framesIn.front());
    c.framesIn.pop_front();
    std::size_t m = std::min(n, f.size());
    std::memcpy(buf, f.data(), m);
    return static_cast<ssize_t>(m);
  }
  // dahdi_chan_read refuses audio while a signalling event waits.
  if (!c.events.empty()) return fail(ELAST);
  if (!c.linear) return fail(EINVAL);  // the emulated card only speaks linear
  std::size_t block = static_cast<std::size_t>(c.blockSize);
  if (n < block * sizeof(int16_t)) return fail(EINVAL);
  uint64_t clock = clockSamples(now);
  dropLateBlocks(c, clock);
  if (clock - c.readPos < block) return fail(EAGAIN);
  fillRx(c, static_cast<int16_t*>(buf), block);
  c.readPos += block;
  c.stats.blocksRead++;
  return static_cast<ssize_t>(block * sizeof(int16_t));
}

ssize_t SimKernel::write(int fd, const void* buf, std::size_t n) {
  std::lock_guard<std::mutex> lk(m_);
  Channel* cp = boundChannel(fd);
  if (!cp) return fail(fd >= kFdBase ? EINVAL : EBADF);
  Channel& c = *cp;
  if (c.hdlc) {
    if (n == 0) return fail(EINVAL);
    const auto* p = static_cast<const uint8_t*>(buf);
    c.stats.framesFromCard++;
    farEvent(c, "frame", static_cast<int>(n), std::vector<uint8_t>(p, p + n));
    return static_cast<ssize_t>(n);
  }
  if (!c.linear) return fail(EINVAL);
  std::size_t samples = n / sizeof(int16_t);
  const auto* s = static_cast<const int16_t*>(buf);
  // Keep the newest kFarAudioMax samples: drop what the far end left unread.
  std::size_t keep = std::min(samples, kFarAudioMax);
  const int16_t* from = s + (samples - keep);
  std::size_t overflow = c.outSize + keep > kFarAudioMax ? c.outSize + keep - kFarAudioMax : 0;
  c.stats.samplesDropped += overflow + (samples - keep);
  c.outHead = (c.outHead + overflow) % kFarAudioMax;
  c.outSize -= overflow;
  for (std::size_t done = 0; done < keep;) {
    std::size_t at = (c.outHead + c.outSize) % kFarAudioMax;
    std::size_t run = std::min(keep - done, kFarAudioMax - at);
    std::memcpy(c.audioOut.data() + at, from + done, run * sizeof(int16_t));
    done += run;
    c.outSize += run;
  }
  c.stats.samplesWritten += samples;
  if (c.echoGain > 0 && c.echoLine.size() < kFarAudioMax) {
    for (std::size_t k = 0; k < samples; k++) c.echoLine.push_back(static_cast<int16_t>(s[k] * c.echoGain));
  }
  return static_cast<ssize_t>(samples * sizeof(int16_t));
}

int SimKernel::poll(struct pollfd* fds, nfds_t n, int timeoutMs) {
  std::unique_lock<std::mutex> lk(m_);
  auto begin = Clock::now();
  auto deadline = timeoutMs < 0 ? Clock::time_point::max() : begin + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    auto now = Clock::now();
    runTimers(now);
    uint64_t clock = clockSamples(now);
    uint64_t nextSample = UINT64_MAX;
    int ready = 0;
    for (nfds_t k = 0; k < n; k++) {
      pollfd& p = fds[k];
      p.revents = 0;
      std::size_t i = static_cast<std::size_t>(p.fd - kFdBase);
      if (p.fd < 0) continue;
      if (p.fd < kFdBase || i >= fds_.size() || fds_[i] < 0) {
        p.revents = POLLNVAL;
        ready++;
        continue;
      }
      if (fds_[i] == 0) {
        p.revents = static_cast<short>(p.events & POLLOUT);
      } else {
        Channel& c = *channels_[fds_[i] - 1];
        if (!c.events.empty()) p.revents |= static_cast<short>(p.events & POLLPRI);
        if (c.hdlc) {
          if (!c.framesIn.empty()) p.revents |= static_cast<short>(p.events & POLLIN);
        } else if (clock - c.readPos >= static_cast<uint64_t>(c.blockSize)) {
          p.revents |= static_cast<short>(p.events & POLLIN);
        } else if (p.events & POLLIN) {
          nextSample = std::min(nextSample, c.readPos + static_cast<uint64_t>(c.blockSize));
        }
        p.revents |= static_cast<short>(p.events & POLLOUT);
      }
      if (p.revents) ready++;
    }
    if (ready || timeoutMs == 0 || now >= deadline) return ready;
    auto wake = deadline;
    if (nextSample != UINT64_MAX) {
      // Sample s is due when the clock has counted it: at s * 125 µs after start.
      auto due = start_ + std::chrono::microseconds((nextSample * 1000 + 7) / 8);
      wake = std::min(wake, due);
    }
    for (const auto& t : timers_) wake = std::min(wake, t.at);
    cv_.wait_until(lk, wake);
  }
}

// ---- far side ----

int SimKernel::channelCount() const { return static_cast<int>(channels_.size()); }
int SimKernel::spanCount() const { return static_cast<int>(spans_.size()); }

static void require(bool ok, int channel, SimChannelKind kind, const char* what) {
  if (!ok) throw std::invalid_argument(std::string(what) + " does not apply to channel " + std::to_string(channel) + " (" + kindName(kind) + ")");
}

void SimKernel::ring(int channel, bool on) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind == SimChannelKind::Fxo, channel, c.kind, "ring");
  if (c.ringing == on) return;
  c.ringing = on;
  // DAHDI on an FXS-signalled channel: RINGBEGIN when ringing voltage
  // appears, RINGOFFHOOK when the burst ends (chan_dahdi counts rings on it).
  nearEvent(c, on ? DAHDI_EVENT_RINGBEGIN : DAHDI_EVENT_RINGOFFHOOK);
}

void SimKernel::setFarHook(int channel, bool offhook) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind == SimChannelKind::Fxs || c.cas, channel, c.kind, "far-end hook");
  if (c.farOffhook == offhook) return;
  c.farOffhook = offhook;
  if (c.cas) {
    c.rxBits = offhook ? kEmOffhookBits : kEmOnhookBits;
  } else if (offhook && c.ringing) {
    c.ringing = false;  // ring trip: the line stops ringing the moment the phone answers
    farEvent(c, "ring", 0);
  }
  nearEvent(c, offhook ? DAHDI_EVENT_RINGOFFHOOK : DAHDI_EVENT_ONHOOK);
}

void SimKernel::flash(int channel) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind == SimChannelKind::Fxs, channel, c.kind, "hook flash");
  if (!c.farOffhook) throw std::invalid_argument("hook flash on channel " + std::to_string(channel) + " while the phone is on hook");
  nearEvent(c, DAHDI_EVENT_WINKFLASH);
}

void SimKernel::wink(int channel) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.cas, channel, c.kind, "wink");
  nearEvent(c, DAHDI_EVENT_WINKFLASH);
}

void SimKernel::setPolarity(int channel, bool reversed) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind == SimChannelKind::Fxo, channel, c.kind, "polarity reversal");
  if (c.reversed == reversed) return;
  c.reversed = reversed;
  nearEvent(c, DAHDI_EVENT_POLARITY);
}

void SimKernel::setBattery(int channel, bool present) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind == SimChannelKind::Fxo, channel, c.kind, "loop current");
  if (c.battery == present) return;
  c.battery = present;
  // Loss of loop current is reported as on-hook (disconnect supervision),
  // as wctdm does for an FXO module; its return carries no event.
  if (!present) nearEvent(c, DAHDI_EVENT_ONHOOK);
}

void SimKernel::setRxBits(int channel, int abcd) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.cas, channel, c.kind, "CAS bits");
  if (c.rxBits == (abcd & 0xf)) return;
  c.rxBits = abcd & 0xf;
  nearEvent(c, DAHDI_EVENT_BITSCHANGED);
}

void SimKernel::setAlarms(int span, int alarms) {
  std::lock_guard<std::mutex> lk(m_);
  if (span < 1 || span > static_cast<int>(spans_.size())) throw std::invalid_argument("no span " + std::to_string(span) + " on the emulated card");
  Span& s = *spans_[span - 1];
  if (s.alarms == alarms) return;
  s.alarms = alarms;
  for (int k = 0; k < s.channels; k++) nearEvent(*channels_[s.firstChannel - 1 + k], alarms ? DAHDI_EVENT_ALARM : DAHDI_EVENT_NOALARM);
}

void SimKernel::addLineErrors(int span, int bpv, int crc4, int ebit, int fas) {
  std::lock_guard<std::mutex> lk(m_);
  if (span < 1 || span > static_cast<int>(spans_.size())) throw std::invalid_argument("no span " + std::to_string(span) + " on the emulated card");
  Span& s = *spans_[span - 1];
  s.bpv += bpv;
  s.crc4 += crc4;
  s.ebit += ebit;
  s.fas += fas;
}

void SimKernel::writeAudio(int channel, const int16_t* samples, std::size_t n, bool loop) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind != SimChannelKind::DChannel, channel, c.kind, "audio");
  if (loop) {
    c.loopIn.assign(samples, samples + n);
    c.loopPos = 0;
  } else {
    c.audioIn.insert(c.audioIn.end(), samples, samples + n);
  }
}

void SimKernel::setEcho(int channel, float lossDb, int delayMs) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind != SimChannelKind::DChannel, channel, c.kind, "line echo");
  if (delayMs < 0 || delayMs > 500) throw std::invalid_argument("echo delay must be 0 to 500 ms");
  c.echoLine.clear();
  if (lossDb < 0) {
    c.echoGain = 0;
    return;
  }
  c.echoGain = std::pow(10.0f, -lossDb / 20.0f);
  c.echoLine.assign(static_cast<std::size_t>(delayMs) * 8, 0);
}

std::size_t SimKernel::readAudio(int channel, int16_t* out, std::size_t max) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  std::size_t m = std::min(max, c.outSize);
  for (std::size_t k = 0; k < m; k++) out[k] = c.audioOut[(c.outHead + k) % kFarAudioMax];
  c.outHead = (c.outHead + m) % kFarAudioMax;
  c.outSize -= m;
  return m;
}

void SimKernel::writeFrame(int channel, const uint8_t* frame, std::size_t n) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.hdlc, channel, c.kind, "a D-channel frame");
  if (n == 0) throw std::invalid_argument("empty D-channel frame for channel " + std::to_string(channel));
  if (c.fd < 0) return;  // nobody listens: the frame is lost on the wire, as on a real span
  if (c.framesIn.size() >= kFrameQueueMax) {
    c.framesIn.pop_front();
    nearEvent(c, DAHDI_EVENT_OVERRUN);
  }
  c.framesIn.emplace_back(frame, frame + n);
  c.stats.framesToCard++;
  cv_.notify_all();
}

void SimKernel::frameError(int channel, int dahdiEvent) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.hdlc, channel, c.kind, "a D-channel frame error");
  if (dahdiEvent != DAHDI_EVENT_BADFCS && dahdiEvent != DAHDI_EVENT_ABORT) throw std::invalid_argument("frame error must be BADFCS or ABORT");
  nearEvent(c, dahdiEvent);
}

bool SimKernel::hardwareDtmf(int channel, char digit) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind != SimChannelKind::DChannel, channel, c.kind, "DTMF");
  if (!std::strchr("0123456789*#ABCD", digit) || !digit) throw std::invalid_argument(std::string("not a DTMF digit: ") + digit);
  if (!c.toneDetect) return false;
  nearEvent(c, DAHDI_EVENT_DTMFDOWN | static_cast<unsigned char>(digit));
  nearEvent(c, DAHDI_EVENT_DTMFUP | static_cast<unsigned char>(digit));
  return true;
}

void SimKernel::pulseDigit(int channel, char digit) {
  std::lock_guard<std::mutex> lk(m_);
  Channel& c = channelAt(channel);
  require(c.kind == SimChannelKind::Fxs, channel, c.kind, "pulse dialing");
  if (digit < '0' || digit > '9') throw std::invalid_argument(std::string("not a pulse digit: ") + digit);
  if (!c.farOffhook) throw std::invalid_argument("pulse digit on channel " + std::to_string(channel) + " while the phone is on hook");
  // DAHDI reports the counted digit once the interdigit pause follows the last break.
  nearEvent(c, DAHDI_EVENT_PULSEDIGIT | static_cast<unsigned char>(digit));
}

std::vector<SimFarEvent> SimKernel::takeEvents() {
  std::lock_guard<std::mutex> lk(m_);
  runTimers(Clock::now());
  std::vector<SimFarEvent> out(std::make_move_iterator(farEvents_.begin()), std::make_move_iterator(farEvents_.end()));
  farEvents_.clear();
  return out;
}

SimChannelState SimKernel::state(int channel) const {
  std::lock_guard<std::mutex> lk(m_);
  const Channel& c = channelAt(channel);
  SimChannelState s;
  s.span = c.span->number;
  s.position = c.position;
  s.kind = c.kind;
  s.open = c.fd >= 0;
  s.nearOffhook = c.nearOffhook;
  s.farOffhook = c.farOffhook;
  s.ringing = c.ringing;
  s.reversed = c.reversed;
  s.battery = c.battery;
  s.rxBits = c.rxBits;
  s.txBits = c.txBits;
  s.blockSize = c.blockSize;
  s.hdlc = c.hdlc;
  s.toneDetect = c.toneDetect;
  return s;
}

SimChannelStats SimKernel::stats(int channel) const {
  std::lock_guard<std::mutex> lk(m_);
  return channelAt(channel).stats;
}

void SimKernel::setNotify(std::function<void()> notify) {
  std::lock_guard<std::mutex> lk(m_);
  notify_ = std::move(notify);
}

}  // namespace sipline::backends
