// RtpEngine as JavaScript sees it: handles in, one received buffer out per
// wake-up of the event loop, one send batch in per flush. Every C++
// exception becomes a JavaScript error with a `code` here.
#include "rtp/rtp_addon.h"

#include <cmath>
#include <memory>
#include <unordered_set>

#include "napi_error.h"
#include "rtp/udp_engine.h"

namespace sipline::rtp {

namespace {

uint32_t handleArg(const Napi::CallbackInfo& info, std::size_t i) {
  Napi::Value v = info[i];
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= 1 && d <= 4294967295.0) || d != std::floor(d)) throw codedError(info.Env(), "socket handle must be a whole number from open()", "EINVAL");
  return static_cast<uint32_t>(d);
}

int portArg(const Napi::CallbackInfo& info, std::size_t i) {
  Napi::Value v = info[i];
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= 0 && d <= 65535) || d != std::floor(d)) throw codedError(info.Env(), "port must be a whole number 0-65535", "EINVAL");
  return static_cast<int>(d);
}

std::string stringArg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
  if (!info[i].IsString()) throw codedError(info.Env(), std::string(name) + " must be a string", "EINVAL");
  return info[i].As<Napi::String>().Utf8Value();
}

// Shared by the wrap and the thread-safe function's callbacks: the engine
// while it runs, null once closed (only the JavaScript thread changes it).
struct Link {
  UdpEngine* engine = nullptr;
};

void deliver(Napi::Env env, Napi::Function cb, Link* link) {
  if (!env || !cb || !link->engine) return;
  std::vector<uint8_t> bytes = link->engine->take();
  if (bytes.empty()) return;
  // Plain Node-API calls with their status checked: in a worker thread being
  // terminated every call fails, and node-addon-api's error objects would
  // then abort the process instead of throwing.
  napi_value buf;
  void* data = nullptr;
  if (napi_create_buffer_copy(env, bytes.size(), bytes.data(), &data, &buf) != napi_ok) return;  // no memory, or the environment is going away: these datagrams are lost
  napi_value global;
  if (napi_get_global(env, &global) != napi_ok) return;
  napi_value result;
  if (napi_call_function(env, global, cb, 1, &buf, &result) == napi_pending_exception) {
    napi_value err;
    // A listener threw: report it, keep the engine running (nothing to report while the environment ends).
    if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
  }
}

class RtpEngineWrap : public Napi::ObjectWrap<RtpEngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RtpEngine",
                       {
                           InstanceMethod("open", &RtpEngineWrap::Open),
                           InstanceMethod("localPort", &RtpEngineWrap::LocalPort),
                           InstanceMethod("setRemote", &RtpEngineWrap::SetRemote),
                           InstanceMethod("send", &RtpEngineWrap::Send),
                           InstanceMethod("close", &RtpEngineWrap::Close),
                           InstanceMethod("stats", &RtpEngineWrap::Stats),
                           InstanceMethod("take", &RtpEngineWrap::Take),
                           InstanceMethod("pendingFlag", &RtpEngineWrap::PendingFlag),
                           InstanceMethod("shutdown", &RtpEngineWrap::Shutdown),
                       });
  }

  // new RtpEngine(onReceive: (records: Buffer) => void)
  explicit RtpEngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RtpEngineWrap>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&]() -> Napi::Value {
      if (info.Length() < 1 || !info[0].IsFunction()) throw codedError(env, "RtpEngine needs (onReceive)", "EINVAL");
      link_ = std::make_shared<Link>();
      tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "sipline rtp engine", 0, 1);
      tsfn_.Unref(env);  // like a closed socket: keeps the process alive only while sockets are open
      hasTsfn_ = true;
      auto tsfn = tsfn_;
      std::shared_ptr<Link> link = link_;
      try {
        engine_ = std::make_unique<UdpEngine>([tsfn, link]() mutable {
          return tsfn.NonBlockingCall([link](Napi::Env e, Napi::Function cb) { deliver(e, cb, link.get()); }) == napi_ok;
        });
      } catch (...) {
        hasTsfn_ = false;
        tsfn_.Release();
        throw;
      }
      link_->engine = engine_.get();
      Napi::ArrayBuffer flag = Napi::ArrayBuffer::New(env, sizeof(int32_t));
      static_cast<int32_t*>(flag.Data())[0] = 0;
      pendingFlag_ = Napi::Persistent(flag);  // held until the wrap dies, after the thread has stopped
      engine_->setPendingFlag(static_cast<int32_t*>(flag.Data()));
      napi_add_env_cleanup_hook(env, &RtpEngineWrap::cleanup, this);
      hasHook_ = true;
      return env.Undefined();
    });
  }

  ~RtpEngineWrap() override {
    if (hasHook_) napi_remove_env_cleanup_hook(Env(), &RtpEngineWrap::cleanup, this);
    shutdown();
  }

 private:
  static void cleanup(void* self) {
    auto* w = static_cast<RtpEngineWrap*>(self);
    w->hasHook_ = false;
    w->shutdown();
  }

  void shutdown() {
    if (link_) link_->engine = nullptr;
    if (engine_) engine_->stop();
    engine_.reset();
    if (hasTsfn_) {
      hasTsfn_ = false;
      tsfn_.Release();
    }
    open_.clear();
  }

  UdpEngine& engine(Napi::Env env) {
    if (!engine_) throw codedError(env, "the RTP engine is closed", "ECLOSED");
    return *engine_;
  }

  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      std::string address = stringArg(info, 0, "address");
      int port = portArg(info, 1);
      uint32_t handle = engine(env).open(address, port);
      if (open_.empty()) tsfn_.Ref(env);
      open_.insert(handle);
      return Napi::Number::New(env, handle);
    });
  }

  Napi::Value LocalPort(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value { return Napi::Number::New(env, engine(env).localPort(handleArg(info, 0))); });
  }

  Napi::Value SetRemote(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      uint32_t handle = handleArg(info, 0);
      std::string address = stringArg(info, 1, "address");
      engine(env).setRemote(handle, address, portArg(info, 2));
      return env.Undefined();
    });
  }

  // send(data: Uint8Array, index: Int32Array, count): (handle, offset, length) triples.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber()) throw codedError(env, "send needs (data, index, count)", "EINVAL");
      auto data = info[0].As<Napi::TypedArray>();
      auto index = info[1].As<Napi::TypedArray>();
      if (data.TypedArrayType() != napi_uint8_array || index.TypedArrayType() != napi_int32_array) throw codedError(env, "send needs a Uint8Array and an Int32Array", "EINVAL");
      auto bytes = data.As<Napi::Uint8Array>();
      auto triples = index.As<Napi::Int32Array>();
      double count = info[2].As<Napi::Number>().DoubleValue();
      if (!(count >= 0) || count != std::floor(count) || count * 3 > static_cast<double>(triples.ElementLength())) throw codedError(env, "send count does not fit the index", "EINVAL");
      std::size_t n = static_cast<std::size_t>(count);
      for (std::size_t i = 0; i < n; i++) {
        int32_t h = triples.Data()[3 * i];
        if (h <= 0 || !open_.count(static_cast<uint32_t>(h))) throw codedError(env, "send entry " + std::to_string(i) + ": socket " + std::to_string(h) + " is not open", "ECLOSED");
      }
      engine(env).send(bytes.Data(), bytes.ByteLength(), triples.Data(), n);
      return env.Undefined();
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      uint32_t handle = handleArg(info, 0);
      if (!engine_ || !open_.erase(handle)) return env.Undefined();  // closing twice is harmless
      engine_->close(handle);
      if (open_.empty()) tsfn_.Unref(env);
      return env.Undefined();
    });
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      EngineStats s = engine(env).stats();
      Napi::Object o = Napi::Object::New(env);
      o.Set("received", static_cast<double>(s.received));
      o.Set("sent", static_cast<double>(s.sent));
      o.Set("receiveDropped", static_cast<double>(s.receiveDropped));
      o.Set("sendErrors", static_cast<double>(s.sendErrors));
      o.Set("wakeups", static_cast<double>(s.wakeups));
      o.Set("deliveries", static_cast<double>(s.deliveries));
      o.Set("sockets", static_cast<double>(open_.size()));
      return o;
    });
  }

  // take(): the records received so far (as onReceive would get them), or undefined.
  Napi::Value Take(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      std::vector<uint8_t> bytes = engine(env).take();
      if (bytes.empty()) return env.Undefined();
      return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
    });
  }

  // pendingFlag(): the ArrayBuffer of the word setPendingFlag() describes.
  Napi::Value PendingFlag(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      if (pendingFlag_.IsEmpty()) throw codedError(env, "the RTP engine is closed", "ECLOSED");
      return pendingFlag_.Value();
    });
  }

  Napi::Value Shutdown(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      if (!open_.empty() && hasTsfn_) tsfn_.Unref(env);
      shutdown();
      return env.Undefined();
    });
  }

  std::shared_ptr<Link> link_;
  std::unique_ptr<UdpEngine> engine_;
  Napi::ThreadSafeFunction tsfn_;
  bool hasTsfn_ = false;
  bool hasHook_ = false;
  std::unordered_set<uint32_t> open_;
  Napi::Reference<Napi::ArrayBuffer> pendingFlag_;
};

}  // namespace

void registerRtp(Napi::Env env, Napi::Object exports) { exports.Set("RtpEngine", RtpEngineWrap::Define(env)); }

}  // namespace sipline::rtp
