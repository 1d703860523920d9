// A one-shot wake-up at a precise instant for the media clock: Node's timers
// fire on whole milliseconds of a cached loop time, which alone makes a
// 20 ms frame up to 2 ms late. This thread sleeps until the deadline on
// CLOCK_MONOTONIC (the clock of performance.now()) with a 1 µs timer slack,
// at real-time priority where allowed, and then calls `fire`, which wakes
// the event loop. No Node-API here.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace sipline::rtp {

class PlayoutTimer {
 public:
  /** Called on the timer's thread at the deadline; false = the event loop could not be told. */
  using Fire = std::function<bool()>;

  explicit PlayoutTimer(Fire fire);
  ~PlayoutTimer();
  PlayoutTimer(const PlayoutTimer&) = delete;
  PlayoutTimer& operator=(const PlayoutTimer&) = delete;

  /**
   * Fires once, `delayNs` from now (<= 0: at once); replaces a deadline set
   * before. After firing, the thread looks again `nextNs` after the deadline
   * (0: not before armed again): a clock that re-arms on the same grid from
   * inside its wake-up then costs no wake-up of this thread.
   */
  void armIn(int64_t delayNs, int64_t nextNs = 0);
  void disarm();
  void stop();
  /** Times `fire` ran, and how late after its deadline in total (ns). */
  uint64_t fired();
  uint64_t lateNs();
  /** True when the thread runs with real-time priority. */
  bool realtime() const { return realtime_; }

 private:
  void run();

  Fire fire_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool armed_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point deadline_{};
  std::chrono::nanoseconds next_{0};
  // What the thread sleeps until now (max: until told); armIn() tells it only when sooner.
  std::chrono::steady_clock::time_point sleepsUntil_ = std::chrono::steady_clock::time_point::max();
  uint64_t fired_ = 0;
  uint64_t lateNs_ = 0;
  bool realtime_ = false;
  std::thread thread_;
};

}  // namespace sipline::rtp
