// Awaiting blocking work from an Asio coroutine: the work runs on the RequestPool, the coroutine
// resumes on its own executor (the session's strand) with what became of it. Internal to the
// server (includes Asio); see server.cpp.
//
//   PoolCancel cancel;   // lives as long as the await; the server's stop() may call it
//   PoolReply reply = co_await call_on_pool(pool, strand, std::move(work), 30s, cancel);
//   switch (reply.outcome) { case PoolOutcome::done: ... reply.response ... }
//
// Exactly one outcome is delivered. A job still queued when its deadline passes is skipped; one
// already running finishes on its worker and its answer is dropped (decoding cannot be
// interrupted, and the pool stays bounded, so the cost is bounded too). The same holds for a job
// taken off the queue by RequestPool::cancel_queued() or given up by PoolCancel at shutdown.
#pragma once

#include <atomic>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "service/http/message.hpp"
#include "service/server/request_pool.hpp"

namespace earshot::service {

enum class PoolOutcome {
  done,       // `response` is the work's answer
  busy,       // the pool's queue was full (or the pool is stopping): the work never ran
  timed_out,  // the deadline passed first
  cancelled,  // the server is stopping: the work was taken off the queue, or given up
};

// Gives up a call from the outside (the server's stop()): the awaiting coroutine resumes with
// PoolOutcome::cancelled. Set while the call is pending; call it on the call's executor.
struct PoolCancel {
  std::function<void()> give_up;
};

struct PoolReply {
  PoolOutcome outcome = PoolOutcome::busy;
  HttpResponse response;
};

// A plain function returning the awaitable, not a coroutine: GCC 12 mishandles lambdas
// captured inside a co_await expression.
template <typename Executor>
boost::asio::awaitable<PoolReply> call_on_pool(RequestPool& pool, Executor executor,
                                               std::function<HttpResponse()> work,
                                               std::chrono::steady_clock::duration deadline,
                                               PoolCancel& cancel) {
  namespace asio = boost::asio;
  // Shared by the job, the timer and the completion; `finished` decides which one completes.
  struct Call {
    Call(Executor e, std::function<HttpResponse()> w) : timer(e), work(std::move(w)) {}
    asio::steady_timer timer;  // touched on `executor` only
    std::function<HttpResponse()> work;
    std::atomic<bool> finished{false};
  };
  auto call = std::make_shared<Call>(executor, std::move(work));
  return asio::async_initiate<decltype(asio::use_awaitable), void(PoolReply)>(
      [&pool, executor, call, deadline, &cancel](auto handler) {
        auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
        // Called once, by whoever sets `finished`; resumes the coroutine on its executor and
        // cancels the timer there (the timer is not thread-safe), breaking the call <-> timer
        // cycle.
        auto complete = [executor, call, shared_handler](PoolReply reply) {
          asio::post(executor, [call, shared_handler, reply = std::move(reply)]() mutable {
            call->timer.cancel();
            std::move (*shared_handler)(std::move(reply));
          });
        };
        auto give_up = [call, complete] {
          if (!call->finished.exchange(true)) complete({PoolOutcome::cancelled, {}});
        };
        cancel.give_up = give_up;
        const bool accepted = pool.try_submit(
            [call, complete]() {
              if (call->finished.load()) return;  // timed out while waiting in the queue
              HttpResponse response;
              try {
                response = call->work();
              } catch (const std::exception& e) {
                // Handlers return errors as values; an exception is a bug (or out of memory), and
                // it must become a 500 with its cause in the log, not the end of the process.
                response = HttpResponse::from(internal_error_response());
                response.log_detail = std::string("request work threw: ") + e.what();
              }
              if (!call->finished.exchange(true))
                complete({PoolOutcome::done, std::move(response)});
            },
            give_up);
        if (!accepted) {
          call->finished = true;
          complete({PoolOutcome::busy, {}});
          return;
        }
        call->timer.expires_after(deadline);
        call->timer.async_wait([call, complete](const boost::system::error_code& ec) {
          if (ec) return;  // cancelled: the work finished first
          if (!call->finished.exchange(true)) complete({PoolOutcome::timed_out, {}});
        });
      },
      asio::use_awaitable);
}

}  // namespace earshot::service
