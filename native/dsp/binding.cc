#include "binding.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "caller_id_message.h"
#include "channel_dsp.h"

namespace sipline::dsp {

namespace {

// Runs fn, turning every C++ exception into a JavaScript one: none may escape into Node-API.
template <typename Fn>
Napi::Value guarded(const Napi::Env& env, Fn fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const DspError& e) {
    throw Napi::Error::New(env, std::string("dsp: ") + e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("dsp: internal error: ") + e.what());
  } catch (...) {
    throw Napi::Error::New(env, "dsp: internal error");
  }
}

class Reader {
 public:
  Reader(Napi::Env env, Napi::Object obj, std::string where) : env_(env), obj_(obj), where_(std::move(where)) {}

  bool has(const char* key) const { return obj_.Has(key) && !obj_.Get(key).IsUndefined(); }

  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) fail(key, "a finite number");
    return v.As<Napi::Number>().DoubleValue();
  }
  int integer(const char* key, int fallback) const {
    double d = number(key, fallback);
    if (d != std::floor(d) || std::abs(d) > 1e9) fail(key, "an integer");
    return static_cast<int>(d);
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsBoolean()) fail(key, "a boolean");
    return v.As<Napi::Boolean>().Value();
  }
  std::string string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsString()) fail(key, "a string");
    return v.As<Napi::String>().Utf8Value();
  }
  Napi::Array array(const char* key) const {
    Napi::Value v = obj_.Get(key);
    if (!v.IsArray()) fail(key, "an array");
    return v.As<Napi::Array>();
  }
  Napi::Object object(Napi::Value v, const std::string& what) const {
    if (!v.IsObject()) throw Napi::TypeError::New(env_, where_ + "." + what + " must be an object");
    return v.As<Napi::Object>();
  }
  const std::string& where() const { return where_; }

  [[noreturn]] void fail(const char* key, const char* what) const {
    throw Napi::TypeError::New(env_, where_ + "." + key + " must be " + what);
  }

 private:
  Napi::Env env_;
  Napi::Object obj_;
  std::string where_;
};

CallerIdStandard standardFrom(Napi::Env env, const std::string& name, const std::string& where) {
  if (name == "none") return CallerIdStandard::None;
  if (name == "bell202") return CallerIdStandard::Bell202;
  if (name == "v23") return CallerIdStandard::V23;
  if (name == "etsi-dtmf") return CallerIdStandard::EtsiDtmf;
  throw Napi::TypeError::New(env, where + " must be one of none, bell202, v23, etsi-dtmf (got \"" + name + "\")");
}

char absenceFrom(Napi::Env env, const std::string& s, const std::string& where) {
  if (s.empty()) return 0;
  if (s == "O" || s == "P") return s[0];
  throw Napi::TypeError::New(env, where + " must be \"O\" (unavailable) or \"P\" (private)");
}

ChannelDspConfig configFrom(Napi::Env env, Napi::Object obj) {
  Reader r(env, obj, "dsp config");
  ChannelDspConfig c;
  c.dtmfRx = r.boolean("dtmfRx", c.dtmfRx);
  c.dtmfRxFilterDialTone = r.boolean("dtmfRxFilterDialTone", c.dtmfRxFilterDialTone);
  c.dtmfRxTwistDb = static_cast<float>(r.number("dtmfRxTwistDb", c.dtmfRxTwistDb));
  c.dtmfRxReverseTwistDb = static_cast<float>(r.number("dtmfRxReverseTwistDb", c.dtmfRxReverseTwistDb));
  c.dtmfRxThresholdDbm0 = static_cast<float>(r.number("dtmfRxThresholdDbm0", c.dtmfRxThresholdDbm0));
  c.dtmfTxLevelDbm0 = static_cast<float>(r.number("dtmfTxLevelDbm0", c.dtmfTxLevelDbm0));
  c.dtmfTxTwistDb = static_cast<float>(r.number("dtmfTxTwistDb", c.dtmfTxTwistDb));
  c.dtmfTxOnMs = r.integer("dtmfTxOnMs", c.dtmfTxOnMs);
  c.dtmfTxOffMs = r.integer("dtmfTxOffMs", c.dtmfTxOffMs);
  c.callerIdRx = standardFrom(env, r.string("callerIdRx", "none"), "dsp config.callerIdRx");
  c.callerIdTx = standardFrom(env, r.string("callerIdTx", "none"), "dsp config.callerIdTx");
  c.toneRx = r.boolean("toneRx", c.toneRx);
  if (r.has("tones")) {
    Napi::Array tones = r.array("tones");
    for (uint32_t i = 0; i < tones.Length(); i++) {
      std::string where = "dsp config.tones[" + std::to_string(i) + "]";
      Reader t(env, r.object(tones.Get(i), "tones[" + std::to_string(i) + "]"), where);
      ToneDefinition d;
      d.name = t.string("name", "");
      d.freq1Hz = t.integer("freq1Hz", 0);
      d.freq2Hz = t.integer("freq2Hz", 0);
      d.level1Dbm0 = static_cast<float>(t.number("level1Dbm0", d.level1Dbm0));
      d.level2Dbm0 = static_cast<float>(t.number("level2Dbm0", d.level2Dbm0));
      if (t.has("cadence")) {
        Napi::Array steps = t.array("cadence");
        for (uint32_t j = 0; j < steps.Length(); j++) {
          Reader st(env, t.object(steps.Get(j), "cadence[" + std::to_string(j) + "]"),
                    where + ".cadence[" + std::to_string(j) + "]");
          d.cadence.push_back(ToneCadenceStep{st.integer("onMs", 0), st.integer("offMs", 0)});
        }
      }
      c.tones.push_back(std::move(d));
    }
  }
  c.echoCanceller = r.boolean("echoCanceller", c.echoCanceller);
  c.echoTailMs = r.integer("echoTailMs", c.echoTailMs);
  c.echoNlp = r.boolean("echoNlp", c.echoNlp);
  c.rxGainDb = static_cast<float>(r.number("rxGainDb", c.rxGainDb));
  c.txGainDb = static_cast<float>(r.number("txGainDb", c.txGainDb));
  return c;
}

CallerId callerIdFrom(Napi::Env env, Napi::Object obj, const std::string& where) {
  Reader r(env, obj, where);
  CallerId id;
  id.mdmf = r.boolean("mdmf", true);
  id.dateTime = r.string("dateTime", "");
  id.number = r.string("number", "");
  id.name = r.string("name", "");
  id.numberAbsence = absenceFrom(env, r.string("numberAbsence", ""), where + ".numberAbsence");
  id.nameAbsence = absenceFrom(env, r.string("nameAbsence", ""), where + ".nameAbsence");
  id.redirectingNumber = r.string("redirectingNumber", "");
  id.callType = r.integer("callType", -1);
  return id;
}

Napi::Object callerIdToJs(Napi::Env env, const CallerId& id) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mdmf", id.mdmf);
  if (!id.dateTime.empty()) o.Set("dateTime", id.dateTime);
  if (!id.number.empty()) o.Set("number", id.number);
  if (!id.name.empty()) o.Set("name", id.name);
  if (id.numberAbsence) o.Set("numberAbsence", std::string(1, id.numberAbsence));
  if (id.nameAbsence) o.Set("nameAbsence", std::string(1, id.nameAbsence));
  if (!id.redirectingNumber.empty()) o.Set("redirectingNumber", id.redirectingNumber);
  if (id.callType >= 0) o.Set("callType", id.callType);
  Napi::Buffer<uint8_t> raw = Napi::Buffer<uint8_t>::Copy(env, id.raw.data(), id.raw.size());
  o.Set("raw", raw);
  return o;
}

const char* kindName(DspEventKind k) {
  switch (k) {
    case DspEventKind::DtmfBegin: return "dtmf-begin";
    case DspEventKind::DtmfDigit: return "dtmf";
    case DspEventKind::CallerId: return "caller-id";
    case DspEventKind::ToneDetected: return "tone";
    case DspEventKind::ToneEnded: return "tone-ended";
  }
  return "unknown";
}

Napi::Object eventToJs(Napi::Env env, const DspEvent& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", kindName(e.kind));
  o.Set("atMs", static_cast<double>(e.atSample) / kSamplesPerMs);
  switch (e.kind) {
    case DspEventKind::DtmfBegin:
      o.Set("digit", std::string(1, e.digit));
      o.Set("levelDbm0", e.levelDbm0);
      break;
    case DspEventKind::DtmfDigit:
      o.Set("digit", std::string(1, e.digit));
      o.Set("durationMs", e.durationMs);
      o.Set("levelDbm0", e.levelDbm0);
      break;
    case DspEventKind::CallerId:
      o.Set("callerId", callerIdToJs(env, e.callerId));
      break;
    case DspEventKind::ToneDetected:
    case DspEventKind::ToneEnded:
      o.Set("tone", e.tone);
      break;
  }
  return o;
}

Napi::Int16Array samplesArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an Int16Array of 8 kHz samples");
  }
  return info[i].As<Napi::Int16Array>();
}

class DspHandle : public Napi::ObjectWrap<DspHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Dsp",
                       {
                           InstanceMethod<&DspHandle::Rx>("rx"),
                           InstanceMethod<&DspHandle::Tx>("tx"),
                           InstanceMethod<&DspHandle::SendDigits>("sendDigits"),
                           InstanceMethod<&DspHandle::PlayTone>("playTone"),
                           InstanceMethod<&DspHandle::StopTone>("stopTone"),
                           InstanceMethod<&DspHandle::SendCallerId>("sendCallerId"),
                           InstanceMethod<&DspHandle::TxBusy>("txBusy"),
                           InstanceMethod<&DspHandle::Levels>("levels"),
                           InstanceMethod<&DspHandle::Close>("close"),
                       });
  }

  explicit DspHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DspHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "dsp config must be an object");
    ChannelDspConfig config = configFrom(env, info[0].As<Napi::Object>());
    guarded(env, [&]() -> Napi::Value {
      dsp_ = std::make_unique<ChannelDsp>(config);
      return env.Undefined();
    });
  }

 private:
  ChannelDsp& dsp(Napi::Env env) {
    if (!dsp_) throw Napi::Error::New(env, "dsp: handle is closed");
    return *dsp_;
  }

  // rx(samples, withClean?) -> { events, clean? }: the whole buffer through the receive path.
  Napi::Value Rx(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Napi::Int16Array in = samplesArg(info, 0, "rx samples");
      bool withClean = info.Length() > 1 && info[1].ToBoolean().Value();
      std::vector<DspEvent> events;
      Napi::Object out = Napi::Object::New(env);
      Napi::Int16Array clean;
      if (withClean) clean = Napi::Int16Array::New(env, in.ElementLength());
      dsp(env).rx(in.Data(), in.ElementLength(), events, withClean ? clean.Data() : nullptr);
      Napi::Array list = Napi::Array::New(env, events.size());
      for (size_t i = 0; i < events.size(); i++) list.Set(static_cast<uint32_t>(i), eventToJs(env, events[i]));
      out.Set("events", list);
      if (withClean) out.Set("clean", clean);
      return out;
    });
  }

  // tx(voice: Int16Array | sampleCount) -> { samples, generated }
  Napi::Value Tx(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Napi::Int16Array samples;
      if (info.Length() > 0 && info[0].IsNumber()) {
        double n = info[0].As<Napi::Number>().DoubleValue();
        if (!(n >= 0 && n <= 60.0 * kSampleRateHz) || n != std::floor(n)) {
          throw Napi::RangeError::New(env, "tx sample count must be an integer 0..480000 (60 s)");
        }
        samples = Napi::Int16Array::New(env, static_cast<size_t>(n));
      } else {
        Napi::Int16Array voice = samplesArg(info, 0, "tx voice");
        samples = Napi::Int16Array::New(env, voice.ElementLength());
        std::copy(voice.Data(), voice.Data() + voice.ElementLength(), samples.Data());
      }
      std::size_t generated = dsp(env).tx(samples.Data(), samples.ElementLength());
      Napi::Object out = Napi::Object::New(env);
      out.Set("samples", samples);
      out.Set("generated", static_cast<double>(generated));
      return out;
    });
  }

  Napi::Value SendDigits(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "sendDigits: digits must be a string");
    return guarded(env, [&]() -> Napi::Value {
      dsp(env).sendDigits(info[0].As<Napi::String>().Utf8Value());
      return env.Undefined();
    });
  }

  Napi::Value PlayTone(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "playTone: name must be a string");
    return guarded(env, [&]() -> Napi::Value {
      dsp(env).playTone(info[0].As<Napi::String>().Utf8Value());
      return env.Undefined();
    });
  }

  Napi::Value StopTone(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      dsp(env).stopTone();
      return env.Undefined();
    });
  }

  Napi::Value SendCallerId(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "sendCallerId: callerId must be an object");
    CallerId id = callerIdFrom(env, info[0].As<Napi::Object>(), "callerId");
    return guarded(env, [&]() -> Napi::Value {
      dsp(env).sendCallerId(id);
      return env.Undefined();
    });
  }

  Napi::Value TxBusy(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value { return Napi::Boolean::New(env, dsp(env).txBusy()); });
  }

  Napi::Value Levels(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("rxDbm0", dsp(env).rxLevelDbm0());
      o.Set("txDbm0", dsp(env).txLevelDbm0());
      o.Set("erleDb", dsp(env).echoReturnLossEnhancementDb());
      return o;
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    dsp_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<ChannelDsp> dsp_;
};

// encodeCallerId(standard, callerId) -> Uint8Array: FSK bytes without the checksum, or the DTMF string as ASCII.
Napi::Value EncodeCallerId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) {
    throw Napi::TypeError::New(env, "encodeCallerId(standard, callerId)");
  }
  CallerIdStandard standard = standardFrom(env, info[0].As<Napi::String>().Utf8Value(), "encodeCallerId standard");
  CallerId id = callerIdFrom(env, info[1].As<Napi::Object>(), "callerId");
  return guarded(env, [&]() -> Napi::Value {
    std::string error;
    std::vector<uint8_t> bytes;
    if (standard == CallerIdStandard::EtsiDtmf) {
      std::string digits;
      if (!encodeDtmfCallerId(id, digits, error)) throw DspError(error);
      bytes.assign(digits.begin(), digits.end());
    } else if (!encodeFskCallerId(id, standard, bytes, error)) {
      throw DspError(error);
    }
    return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
  });
}

// decodeCallerId(standard, bytes) -> { callerId } | { error }: never throws on bad bytes.
Napi::Value DecodeCallerId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "decodeCallerId(standard, bytes: Uint8Array)");
  }
  CallerIdStandard standard = standardFrom(env, info[0].As<Napi::String>().Utf8Value(), "decodeCallerId standard");
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  return guarded(env, [&]() -> Napi::Value {
    CallerId id;
    std::string error;
    bool ok = standard == CallerIdStandard::EtsiDtmf
                  ? decodeDtmfCallerId(std::string(reinterpret_cast<const char*>(bytes.Data()), bytes.ElementLength()), id, error)
                  : decodeFskCallerId(bytes.Data(), bytes.ElementLength(), id, error);
    Napi::Object out = Napi::Object::New(env);
    if (ok) {
      out.Set("callerId", callerIdToJs(env, id));
    } else {
      out.Set("error", error);
    }
    return out;
  });
}

}  // namespace

void RegisterDsp(Napi::Env env, Napi::Object exports) {
  exports.Set("Dsp", DspHandle::Define(env));
  exports.Set("encodeCallerId", Napi::Function::New(env, EncodeCallerId, "encodeCallerId"));
  exports.Set("decodeCallerId", Napi::Function::New(env, DecodeCallerId, "decodeCallerId"));
}

}  // namespace sipline::dsp
