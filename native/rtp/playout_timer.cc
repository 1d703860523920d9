#include "rtp/playout_timer.h"

#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>

#include <chrono>

namespace sipline::rtp {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC in libstdc++, as uv_hrtime

PlayoutTimer::PlayoutTimer(Fire fire) : fire_(std::move(fire)) {
  thread_ = std::thread([this] { run(); });
  // Real-time priority when allowed (CAP_SYS_NICE), as the card's I/O thread:
  // a wake-up that waits behind other work is the lateness this thread is for.
  sched_param sp{};
  sp.sched_priority = 10;
  realtime_ = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &sp) == 0;
}

PlayoutTimer::~PlayoutTimer() { stop(); }

void PlayoutTimer::armIn(int64_t delayNs, int64_t nextNs) {
  bool tell;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    deadline_ = Clock::now() + std::chrono::nanoseconds(delayNs > 0 ? delayNs : 0);
    next_ = std::chrono::nanoseconds(nextNs > 0 ? nextNs : 0);
    armed_ = true;
    // A thread that will look at or before the deadline anyway needs no futex wake-up.
    tell = deadline_ < sleepsUntil_;
  }
  if (tell) changed_.notify_one();
}

void PlayoutTimer::disarm() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
}

void PlayoutTimer::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  thread_.join();
}

uint64_t PlayoutTimer::fired() {
  std::lock_guard<std::mutex> lock(mutex_);
  return fired_;
}

uint64_t PlayoutTimer::lateNs() {
  std::lock_guard<std::mutex> lock(mutex_);
  return lateNs_;
}

void PlayoutTimer::run() {
  pthread_setname_np(pthread_self(), "sipline-clock");
  // The default 50 µs slack would be most of the precision this thread is for.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  std::unique_lock<std::mutex> lock(mutex_);
  Clock::time_point look = Clock::time_point::max();  // when to look again while disarmed
  while (!stopping_) {
    Clock::time_point target = armed_ ? deadline_ : look;
    if (target == Clock::time_point::max()) {
      sleepsUntil_ = target;
      changed_.wait(lock);
      continue;
    }
    if (Clock::now() < target) {
      // Woken early by a sooner deadline or by stop(): look again.
      sleepsUntil_ = target;
      changed_.wait_until(lock, target);
      continue;
    }
    if (!armed_) {
      look = Clock::time_point::max();  // the clock did not re-arm on its grid: sleep until told
      continue;
    }
    Clock::time_point deadline = deadline_;
    look = next_.count() > 0 ? deadline + next_ : Clock::time_point::max();
    sleepsUntil_ = Clock::time_point::min();  // busy: an armIn() now is seen without a wake-up
    armed_ = false;
    fired_++;
    lateNs_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - deadline).count());
    lock.unlock();
    // False only while a wake-up is still queued (JavaScript runs then anyway) or the environment ends.
    (void)fire_();
    lock.lock();
  }
}

}  // namespace sipline::rtp
