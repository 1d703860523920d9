// The Node-API face of the card layer. Every method turns C++ exceptions
// into JavaScript errors carrying a code, so none escapes into Node-API.
#include "card/card_addon.h"

#include <dahdi/user.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "backends/dahdi_channel.h"
#include "backends/sim_kernel.h"
#include "card/card_io.h"
#include "dsp/dsp_config_js.h"
#include "napi_error.h"

namespace sipline::card {
namespace {

// Marks SimCard objects so Card can tell one from any other object.
constexpr napi_type_tag kSimCardTag = {0x5f1c3a7e2b9d4c61ULL, 0x8e2f6a0d13b7c945ULL};

using backends::SimKernel;

// Int32Value() alone would wrap 2^32 + 56 onto 56 and truncate 56.5: a number
// that is not a whole int32 is refused instead of reaching another channel.
int wholeInt32(Napi::Env env, Napi::Value v, const std::string& name) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= INT32_MIN && d <= INT32_MAX) || d != std::floor(d)) throw codedError(env, name + " must be a whole number (int32)", "EINVAL");
  return static_cast<int>(d);
}

int intArg(const Napi::CallbackInfo& info, std::size_t i, const char* name) { return wholeInt32(info.Env(), info[i], name); }

// Element i of a list of specs; anything but an object is refused by position.
Napi::Object specAt(Napi::Env env, Napi::Array list, uint32_t i, const char* what) {
  Napi::Value v = list.Get(i);
  if (!v.IsObject()) throw codedError(env, std::string(what) + " " + std::to_string(i + 1) + " must be an object", "EINVAL");
  return v.As<Napi::Object>();
}

bool boolArg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsBoolean()) throw codedError(info.Env(), std::string(name) + " must be a boolean", "EINVAL");
  return info[i].As<Napi::Boolean>().Value();
}

// A typed array argument (or element) of one element type; `what` is the error message.
template <typename Array>
Array typedArg(Napi::Env env, Napi::Value v, napi_typedarray_type type, const std::string& what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) throw codedError(env, what, "EINVAL");
  return v.As<Array>();
}

Napi::Int16Array audioArg(const Napi::CallbackInfo& info, std::size_t i) {
  return typedArg<Napi::Int16Array>(info.Env(), info[i], napi_int16_array, "audio must be an Int16Array");
}

Napi::Uint8Array frameArg(Napi::Env env, Napi::Value v, const std::string& name) {
  return typedArg<Napi::Uint8Array>(env, v, napi_uint8_array, name + " must be a Uint8Array or Buffer");
}

const char* kindName(backends::SimChannelKind k) {
  switch (k) {
    case backends::SimChannelKind::Bearer: return "bearer";
    case backends::SimChannelKind::DChannel: return "dchannel";
    case backends::SimChannelKind::Fxo: return "fxo";
    case backends::SimChannelKind::Fxs: return "fxs";
  }
  return "bearer";
}

// ---- SimCard: the emulated card and its far end ----

class SimCard : public Napi::ObjectWrap<SimCard> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SimCard",
                       {
                           InstanceMethod("channelCount", &SimCard::ChannelCount),
                           InstanceMethod("spanCount", &SimCard::SpanCount),
                           InstanceMethod("ring", &SimCard::Ring),
                           InstanceMethod("setFarHook", &SimCard::SetFarHook),
                           InstanceMethod("flash", &SimCard::Flash),
                           InstanceMethod("wink", &SimCard::Wink),
                           InstanceMethod("setPolarity", &SimCard::SetPolarity),
                           InstanceMethod("setBattery", &SimCard::SetBattery),
                           InstanceMethod("setRxBits", &SimCard::SetRxBits),
                           InstanceMethod("setAlarms", &SimCard::SetAlarms),
                           InstanceMethod("addLineErrors", &SimCard::AddLineErrors),
                           InstanceMethod("writeAudio", &SimCard::WriteAudio),
                           InstanceMethod("readAudio", &SimCard::ReadAudio),
                           InstanceMethod("setEcho", &SimCard::SetEcho),
                           InstanceMethod("writeFrame", &SimCard::WriteFrame),
                           InstanceMethod("writeFrames", &SimCard::WriteFrames),
                           InstanceMethod("frameError", &SimCard::FrameError),
                           InstanceMethod("hardwareDtmf", &SimCard::HardwareDtmf),
                           InstanceMethod("pulseDigit", &SimCard::PulseDigit),
                           InstanceMethod("takeEvents", &SimCard::TakeEvents),
                           InstanceMethod("state", &SimCard::State),
                           InstanceMethod("stats", &SimCard::Stats),
                           InstanceMethod("close", &SimCard::Close),
                       });
  }

  // new SimCard(spans, onFarEvent?)
  explicit SimCard(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SimCard>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&]() -> Napi::Value {
      info.This().As<Napi::Object>().TypeTag(&kSimCardTag);
      if (info.Length() < 1 || !info[0].IsArray()) throw codedError(env, "SimCard needs an array of spans", "EINVAL");
      Napi::Array arr = info[0].As<Napi::Array>();
      std::vector<backends::SimSpanSpec> specs;
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Object o = specAt(env, arr, i, "span");
        backends::SimSpanSpec s;
        std::string type = o.Get("type").ToString();
        if (type == "t1") s.type = backends::SimSpanType::T1;
        else if (type == "e1") s.type = backends::SimSpanType::E1;
        else if (type == "analog") s.type = backends::SimSpanType::Analog;
        else throw codedError(env, "span " + std::to_string(i + 1) + ": type must be t1, e1 or analog, not " + type, "EINVAL");
        s.pri = !o.Has("pri") || o.Get("pri").ToBoolean();
        if (o.Has("name") && o.Get("name").IsString()) s.name = o.Get("name").ToString();
        if (o.Has("ports") && o.Get("ports").IsArray()) {
          Napi::Array ports = o.Get("ports").As<Napi::Array>();
          for (uint32_t k = 0; k < ports.Length(); k++) {
            std::string p = ports.Get(k).ToString();
            if (p == "fxo") s.ports.push_back(backends::SimChannelKind::Fxo);
            else if (p == "fxs") s.ports.push_back(backends::SimChannelKind::Fxs);
            else throw codedError(env, "span " + std::to_string(i + 1) + " port " + std::to_string(k + 1) + ": must be fxo or fxs, not " + p, "EINVAL");
          }
        }
        specs.push_back(std::move(s));
      }
      kernel_ = std::make_shared<SimKernel>(specs);
      if (info.Length() > 1 && info[1].IsFunction()) {
        notify_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "sipline sim far end", 1, 1);
        notify_.Unref(env);
        hasNotify_ = true;
        auto tsfn = notify_;
        // A full queue already holds a wake-up. The callback catches what the
        // call throws: a wake-up still queued when Node tears the environment
        // down cannot run JS (the error then carries no exception), and an
        // exception escaping here would terminate the process.
        kernel_->setNotify([tsfn]() mutable {
          tsfn.NonBlockingCall([](Napi::Env env, Napi::Function cb) {
            try {
              cb.Call({});
            } catch (const Napi::Error& err) {
              Napi::Value v = err.Value();
              if (!v.IsEmpty() && !v.IsUndefined()) napi_fatal_exception(env, v);  // a far-end listener threw
            }
          });
        });
      }
      return env.Undefined();
    });
  }

  ~SimCard() override { release(); }

  std::shared_ptr<SimKernel> kernel() const { return kernel_; }

 private:
  void release() {
    if (!hasNotify_) return;
    hasNotify_ = false;
    if (kernel_) kernel_->setNotify(nullptr);
    notify_.Release();
  }

  Napi::Value ChannelCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), kernel_->channelCount()); }
  Napi::Value SpanCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), kernel_->spanCount()); }
  Napi::Value Ring(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->ring(intArg(info, 0, "channel"), boolArg(info, 1, "on")); return info.Env().Undefined(); });
  }
  Napi::Value SetFarHook(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->setFarHook(intArg(info, 0, "channel"), boolArg(info, 1, "offhook")); return info.Env().Undefined(); });
  }
  Napi::Value Flash(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->flash(intArg(info, 0, "channel")); return info.Env().Undefined(); });
  }
  Napi::Value Wink(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->wink(intArg(info, 0, "channel")); return info.Env().Undefined(); });
  }
  Napi::Value SetPolarity(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->setPolarity(intArg(info, 0, "channel"), boolArg(info, 1, "reversed")); return info.Env().Undefined(); });
  }
  Napi::Value SetBattery(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->setBattery(intArg(info, 0, "channel"), boolArg(info, 1, "present")); return info.Env().Undefined(); });
  }
  Napi::Value SetRxBits(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->setRxBits(intArg(info, 0, "channel"), intArg(info, 1, "abcd")); return info.Env().Undefined(); });
  }
  Napi::Value SetAlarms(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { kernel_->setAlarms(intArg(info, 0, "span"), intArg(info, 1, "alarms")); return info.Env().Undefined(); });
  }
  Napi::Value AddLineErrors(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      kernel_->addLineErrors(intArg(info, 0, "span"), intArg(info, 1, "bpv"), intArg(info, 2, "crc4"), intArg(info, 3, "ebit"), intArg(info, 4, "fas"));
      return info.Env().Undefined();
    });
  }
  Napi::Value WriteAudio(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int ch = intArg(info, 0, "channel");
      auto a = audioArg(info, 1);
      kernel_->writeAudio(ch, a.Data(), a.ElementLength(), info.Length() > 2 && info[2].ToBoolean());
      return info.Env().Undefined();
    });
  }
  Napi::Value SetEcho(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int ch = intArg(info, 0, "channel");
      if (info.Length() < 2 || !info[1].IsNumber()) throw codedError(info.Env(), "lossDb must be a number", "EINVAL");
      kernel_->setEcho(ch, info[1].As<Napi::Number>().FloatValue(), intArg(info, 2, "delayMs"));
      return info.Env().Undefined();
    });
  }
  Napi::Value ReadAudio(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int ch = intArg(info, 0, "channel");
      int max = intArg(info, 1, "max");
      if (max < 0 || max > 80000) throw codedError(info.Env(), "max must be 0 to 80000 samples", "EINVAL");
      std::vector<int16_t> buf(static_cast<std::size_t>(max));
      std::size_t n = kernel_->readAudio(ch, buf.data(), buf.size());
      auto out = Napi::Int16Array::New(info.Env(), n);
      std::copy(buf.begin(), buf.begin() + static_cast<long>(n), out.Data());
      return out;
    });
  }
  Napi::Value WriteFrame(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int ch = intArg(info, 0, "channel");
      auto a = frameArg(info.Env(), info[1], "frame");
      kernel_->writeFrame(ch, a.Data(), a.ElementLength());
      return info.Env().Undefined();
    });
  }
  Napi::Value WriteFrames(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int ch = intArg(info, 0, "channel");
      if (info.Length() < 2 || !info[1].IsArray()) throw codedError(info.Env(), "frames must be an array of Uint8Array", "EINVAL");
      Napi::Array arr = info[1].As<Napi::Array>();
      std::vector<std::vector<uint8_t>> frames;
      for (uint32_t i = 0; i < arr.Length(); i++) {
        auto a = frameArg(info.Env(), arr.Get(i), "frames[" + std::to_string(i) + "]");
        frames.emplace_back(a.Data(), a.Data() + a.ElementLength());
      }
      kernel_->writeFrames(ch, frames);
      return info.Env().Undefined();
    });
  }
  Napi::Value FrameError(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int ch = intArg(info, 0, "channel");
      std::string what = info.Length() > 1 ? info[1].ToString().Utf8Value() : "";
      if (what != "badFcs" && what != "abort") throw codedError(info.Env(), "frame error must be 'badFcs' or 'abort'", "EINVAL");
      kernel_->frameError(ch, what == "badFcs" ? DAHDI_EVENT_BADFCS : DAHDI_EVENT_ABORT);
      return info.Env().Undefined();
    });
  }
  Napi::Value HardwareDtmf(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int ch = intArg(info, 0, "channel");
      std::string d = info.Length() > 1 ? info[1].ToString().Utf8Value() : "";
      if (d.size() != 1) throw codedError(info.Env(), "digit must be one character", "EINVAL");
      return Napi::Boolean::New(info.Env(), kernel_->hardwareDtmf(ch, d[0]));
    });
  }
  Napi::Value PulseDigit(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int ch = intArg(info, 0, "channel");
      std::string d = info.Length() > 1 ? info[1].ToString().Utf8Value() : "";
      if (d.size() != 1) throw codedError(info.Env(), "digit must be one character", "EINVAL");
      kernel_->pulseDigit(ch, d[0]);
      return info.Env().Undefined();
    });
  }
  Napi::Value TakeEvents(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { return farEventsToJs(info.Env(), kernel_->takeEvents()); });
  }
  static Napi::Value farEventsToJs(Napi::Env env, const std::vector<backends::SimFarEvent>& events) {
    Napi::Array out = Napi::Array::New(env, events.size());
    for (std::size_t i = 0; i < events.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("channel", events[i].channel);
      o.Set("kind", events[i].kind);
      o.Set("value", events[i].value);
      if (events[i].kind == "frame") o.Set("data", Napi::Buffer<uint8_t>::Copy(env, events[i].data.data(), events[i].data.size()));
      out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
  }
  Napi::Value State(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto s = kernel_->state(intArg(info, 0, "channel"));
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("span", s.span);
      o.Set("position", s.position);
      o.Set("kind", kindName(s.kind));
      o.Set("open", s.open);
      o.Set("nearOffhook", s.nearOffhook);
      o.Set("farOffhook", s.farOffhook);
      o.Set("ringing", s.ringing);
      o.Set("reversed", s.reversed);
      o.Set("battery", s.battery);
      o.Set("rxBits", s.rxBits);
      o.Set("txBits", s.txBits);
      o.Set("blockSize", s.blockSize);
      o.Set("hdlc", s.hdlc);
      o.Set("toneDetect", s.toneDetect);
      return o;
    });
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto s = kernel_->stats(intArg(info, 0, "channel"));
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("blocksRead", static_cast<double>(s.blocksRead));
      o.Set("blocksLost", static_cast<double>(s.blocksLost));
      o.Set("samplesWritten", static_cast<double>(s.samplesWritten));
      o.Set("samplesDropped", static_cast<double>(s.samplesDropped));
      o.Set("framesToCard", static_cast<double>(s.framesToCard));
      o.Set("framesFromCard", static_cast<double>(s.framesFromCard));
      return o;
    });
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    release();
    return info.Env().Undefined();
  }

  std::shared_ptr<SimKernel> kernel_;
  Napi::ThreadSafeFunction notify_;
  bool hasNotify_ = false;
};


// ---- Card: one card and its I/O thread ----

struct BatchConverter {
  static void Call(Napi::Env env, Napi::Function cb, std::nullptr_t*, Batch* raw) {
    std::unique_ptr<Batch> b(raw);
    if (!env || !cb) return;  // the card closed with batches queued: they are freed here
    Napi::Object o;
    try {
      o = toJs(env, *b);
    } catch (const std::exception&) {
      return;  // no memory, or the environment is shutting down: this batch is dropped
    }
    try {
      cb.Call({o});
    } catch (const Napi::Error& err) {
      // A listener threw: report it like any uncaught exception, keep the card running.
      napi_fatal_exception(env, err.Value());
    }
  }

  static Napi::Object toJs(Napi::Env env, const Batch& batch) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("tick", static_cast<double>(batch.tick));
    o.Set("readyNs", Napi::BigInt::New(env, batch.readyNs));
    auto audio = Napi::Int16Array::New(env, batch.audio.size());
    std::copy(batch.audio.begin(), batch.audio.end(), audio.Data());
    o.Set("audio", audio);
    auto index = Napi::Int32Array::New(env, batch.index.size());
    std::copy(batch.index.begin(), batch.index.end(), index.Data());
    o.Set("index", index);
    Napi::Array events = Napi::Array::New(env, batch.events.size());
    for (std::size_t i = 0; i < batch.events.size(); i++) {
      const CardEvent& e = batch.events[i];
      Napi::Object eo = Napi::Object::New(env);
      eo.Set("handle", e.handle);
      eo.Set("kind", e.kind);
      eo.Set("value", e.value);
      if (e.kind == "frame") eo.Set("data", Napi::Buffer<uint8_t>::Copy(env, e.data.data(), e.data.size()));
      if (e.kind == "error") eo.Set("message", std::string(e.data.begin(), e.data.end()));
      if (!e.text.empty()) {
        eo.Set(e.kind == "tone" || e.kind == "tone-ended" ? "tone" : "digit", e.text);
      }
      if (e.kind == "dtmf" || e.kind == "dtmf-begin" || e.kind == "caller-id" || e.kind == "tone" || e.kind == "tone-ended") {
        eo.Set("atMs", static_cast<double>(e.atSample) / 8.0);
        if (e.kind == "dtmf") eo.Set("durationMs", e.durationMs);
        if (e.kind == "dtmf" || e.kind == "dtmf-begin") eo.Set("levelDbm0", e.levelDbm0);
      }
      if (e.callerId) eo.Set("callerId", dsp::callerIdToJs(env, *e.callerId));
      events.Set(static_cast<uint32_t>(i), eo);
    }
    o.Set("events", events);
    return o;
  }
};
using BatchTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Batch, BatchConverter::Call>;

backends::HookOp hookOp(Napi::Env env, const std::string& s) {
  if (s == "onhook") return backends::HookOp::Onhook;
  if (s == "offhook") return backends::HookOp::Offhook;
  if (s == "wink") return backends::HookOp::Wink;
  if (s == "flash") return backends::HookOp::Flash;
  if (s == "ring") return backends::HookOp::Ring;
  if (s == "ringoff") return backends::HookOp::RingOff;
  throw codedError(env, "hook operation must be onhook, offhook, wink, flash, ring or ringoff, not " + s, "EINVAL");
}

class CardWrap : public Napi::ObjectWrap<CardWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Card",
                       {
                           InstanceMethod("start", &CardWrap::Start),
                           InstanceMethod("close", &CardWrap::Close),
                           InstanceMethod("writeAudio", &CardWrap::WriteAudio),
                           InstanceMethod("writeFrame", &CardWrap::WriteFrame),
                           InstanceMethod("hook", &CardWrap::Hook),
                           InstanceMethod("rxBits", &CardWrap::RxBits),
                           InstanceMethod("setTxBits", &CardWrap::SetTxBits),
                           InstanceMethod("setPolarity", &CardWrap::SetPolarity),
                           InstanceMethod("counters", &CardWrap::Counters),
                           InstanceMethod("span", &CardWrap::Span),
                           InstanceMethod("spanStatus", &CardWrap::SpanStatus),
                           InstanceMethod("stats", &CardWrap::Stats),
                           InstanceMethod("sendDigits", &CardWrap::SendDigits),
                           InstanceMethod("playTone", &CardWrap::PlayTone),
                           InstanceMethod("stopTone", &CardWrap::StopTone),
                           InstanceMethod("sendCallerId", &CardWrap::SendCallerId),
                           InstanceMethod("levels", &CardWrap::Levels),
                       });
  }

  // new Card(kernel: 'dahdi' | SimCard, channels, onBatch)
  explicit CardWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CardWrap>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&]() -> Napi::Value {
      if (info.Length() < 3 || !info[1].IsArray() || !info[2].IsFunction()) throw codedError(env, "Card needs (kernel, channels, onBatch)", "EINVAL");
      backends::Syscalls* kernel = nullptr;
      std::shared_ptr<void> owner;
      if (info[0].IsString() && info[0].ToString().Utf8Value() == "dahdi") {
        kernel = &backends::linuxSyscalls();
      } else if (info[0].IsObject() && info[0].As<Napi::Object>().CheckTypeTag(&kSimCardTag)) {
        auto sim = SimCard::Unwrap(info[0].As<Napi::Object>())->kernel();
        kernel = sim.get();
        owner = sim;
      } else {
        throw codedError(env, "kernel must be 'dahdi' or a SimCard", "EINVAL");
      }
      std::vector<CardChannelSpec> specs;
      Napi::Array arr = info[1].As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Object o = specAt(env, arr, i, "channel spec");
        CardChannelSpec s;
        s.channel.number = wholeInt32(env, o.Get("number"), "channel spec " + std::to_string(i + 1) + " number");
        std::string mode = o.Has("mode") ? o.Get("mode").ToString().Utf8Value() : "audio";
        if (mode != "audio" && mode != "hdlc") throw codedError(env, "channel " + std::to_string(s.channel.number) + ": mode must be audio or hdlc", "EINVAL");
        s.channel.mode = mode == "hdlc" ? backends::ChannelMode::Hdlc : backends::ChannelMode::Audio;
        std::string where = "channel " + std::to_string(s.channel.number) + " ";
        if (o.Has("blockSize")) s.channel.blockSize = wholeInt32(env, o.Get("blockSize"), where + "blockSize");
        if (o.Has("txQueueFrames")) s.txQueueFrames = wholeInt32(env, o.Get("txQueueFrames"), where + "txQueueFrames");
        s.hardwareDtmf = o.Has("hardwareDtmf") && o.Get("hardwareDtmf").ToBoolean();
        if (o.Has("dsp") && o.Get("dsp").IsObject()) {
          s.dsp = std::make_shared<const dsp::ChannelDspConfig>(
              dsp::dspConfigFrom(env, o.Get("dsp").As<Napi::Object>(), "channel " + std::to_string(s.channel.number) + " dsp"));
        }
        specs.push_back(s);
      }
      tsfn_ = BatchTsfn::New(env, info[2].As<Napi::Function>(), "sipline card batch", 16, 1);
      hasTsfn_ = true;
      auto tsfn = tsfn_;
      try {
        card_ = std::make_unique<Card>(*kernel, owner, specs, [tsfn](std::unique_ptr<Batch> b) mutable {
          Batch* raw = b.release();
          if (tsfn.NonBlockingCall(raw) == napi_ok) return true;
          delete raw;
          return false;
        });
      } catch (...) {
        hasTsfn_ = false;
        tsfn_.Release();
        throw;
      }
      return env.Undefined();
    });
  }

  ~CardWrap() override { shutdown(); }

 private:
  void shutdown() {
    if (card_) card_->stop();
    if (hasTsfn_) {
      hasTsfn_ = false;
      tsfn_.Release();
    }
  }
  Card& card(Napi::Env env) {
    if (!card_ || !hasTsfn_) throw codedError(env, "card is closed", "ECLOSED");
    return *card_;
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      card(info.Env()).start();
      return Napi::Boolean::New(info.Env(), card_->realtime());
    });
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }
  Napi::Value WriteAudio(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int h = intArg(info, 0, "handle");
      auto a = audioArg(info, 1);
      card(info.Env()).writeAudio(h, a.Data(), a.ElementLength());
      return info.Env().Undefined();
    });
  }
  Napi::Value WriteFrame(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int h = intArg(info, 0, "handle");
      auto a = frameArg(info.Env(), info[1], "frame");
      card(info.Env()).writeFrame(h, a.Data(), a.ElementLength());
      return info.Env().Undefined();
    });
  }
  Napi::Value Hook(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int h = intArg(info, 0, "handle");
      std::string op = info.Length() > 1 ? info[1].ToString().Utf8Value() : "";
      card(info.Env()).hook(h, hookOp(info.Env(), op));
      return info.Env().Undefined();
    });
  }
  Napi::Value RxBits(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { return Napi::Number::New(info.Env(), card(info.Env()).rxBits(intArg(info, 0, "handle"))); });
  }
  Napi::Value SetTxBits(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      card(info.Env()).setTxBits(intArg(info, 0, "handle"), intArg(info, 1, "abcd"));
      return info.Env().Undefined();
    });
  }
  Napi::Value SetPolarity(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      card(info.Env()).setPolarity(intArg(info, 0, "handle"), boolArg(info, 1, "reversed") ? 1 : 0);
      return info.Env().Undefined();
    });
  }
  Napi::Value Span(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { return Napi::Number::New(info.Env(), card(info.Env()).span(intArg(info, 0, "handle"))); });
  }
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      const ChannelCounters& c = card(info.Env()).counters(intArg(info, 0, "handle"));
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("framesRead", static_cast<double>(c.framesRead));
      o.Set("framesWritten", static_cast<double>(c.framesWritten));
      o.Set("underruns", static_cast<double>(c.underruns));
      o.Set("overruns", static_cast<double>(c.overruns));
      o.Set("hdlcFramesIn", static_cast<double>(c.hdlcFramesIn));
      o.Set("hdlcFramesOut", static_cast<double>(c.hdlcFramesOut));
      o.Set("events", static_cast<double>(c.events));
      return o;
    });
  }
  Napi::Value SpanStatus(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto s = card(info.Env()).spanStatus(intArg(info, 0, "span"));
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("span", s.span);
      o.Set("name", s.name);
      o.Set("description", s.description);
      o.Set("alarms", s.alarms);
      o.Set("bpvCount", s.bpvCount);
      o.Set("crc4Count", s.crc4Count);
      o.Set("ebitCount", s.ebitCount);
      o.Set("fasCount", s.fasCount);
      o.Set("irqMisses", s.irqMisses);
      o.Set("totalChannels", s.totalChannels);
      o.Set("lineConfig", s.lineConfig);
      o.Set("spanType", s.spanType);
      return o;
    });
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("ticks", card_ ? static_cast<double>(card_->ticks()) : 0.0);
    o.Set("batchesDropped", card_ ? static_cast<double>(card_->batchesDropped()) : 0.0);
    o.Set("realtime", card_ ? card_->realtime() : false);
    return o;
  }

  std::string stringArg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
    if (info.Length() <= i || !info[i].IsString()) throw codedError(info.Env(), std::string(name) + " must be a string", "EINVAL");
    return info[i].As<Napi::String>().Utf8Value();
  }
  Napi::Value SendDigits(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      card(info.Env()).sendDigits(intArg(info, 0, "handle"), stringArg(info, 1, "digits"));
      return info.Env().Undefined();
    });
  }
  Napi::Value PlayTone(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      card(info.Env()).playTone(intArg(info, 0, "handle"), stringArg(info, 1, "tone"));
      return info.Env().Undefined();
    });
  }
  Napi::Value StopTone(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      card(info.Env()).stopTone(intArg(info, 0, "handle"));
      return info.Env().Undefined();
    });
  }
  Napi::Value SendCallerId(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      int h = intArg(info, 0, "handle");
      if (info.Length() < 2 || !info[1].IsObject()) throw codedError(info.Env(), "callerId must be an object", "EINVAL");
      card(info.Env()).sendCallerId(h, dsp::callerIdFrom(info.Env(), info[1].As<Napi::Object>(), "callerId"));
      return info.Env().Undefined();
    });
  }
  Napi::Value Levels(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      ChannelLevels l = card(info.Env()).levels(intArg(info, 0, "handle"));
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("rxDbm0", l.rxDbm0);
      o.Set("txDbm0", l.txDbm0);
      o.Set("erleDb", l.erleDb);
      return o;
    });
  }

  std::unique_ptr<Card> card_;
  BatchTsfn tsfn_;
  bool hasTsfn_ = false;
};

}  // namespace

void registerCard(Napi::Env env, Napi::Object exports) {
  exports.Set("SimCard", SimCard::Define(env));
  exports.Set("Card", CardWrap::Define(env));
}

}  // namespace sipline::card
