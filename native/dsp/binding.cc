#include "binding.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "caller_id_message.h"
#include "channel_dsp.h"
#include "dsp_config_js.h"

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

Napi::Object eventToJs(Napi::Env env, const DspEvent& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", dspEventKindName(e.kind));
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
    ChannelDspConfig config = dspConfigFrom(env, info[0].As<Napi::Object>(), "dsp config");
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
  CallerIdStandard standard = callerIdStandardFrom(env, info[0].As<Napi::String>().Utf8Value(), "encodeCallerId standard");
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
  CallerIdStandard standard = callerIdStandardFrom(env, info[0].As<Napi::String>().Utf8Value(), "decodeCallerId standard");
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
