#include "conc/channel.h"

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Returns once the thread whose id `tid` will hold is asleep in the kernel
// (state S in /proc), as a thread blocked on a channel is after the
// channel's spinning. Orders a test by the thread's state, not by a clock.
void wait_until_asleep(const std::atomic<pid_t>& tid) {
  while (tid.load() == 0) std::this_thread::yield();
  const std::string path = "/proc/self/task/" + std::to_string(tid.load()) + "/stat";
  for (;;) {
    std::ifstream in(path);
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t paren = stat.rfind(')');  // the name may hold spaces and parentheses
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'S') return;
    std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("channel delivers in FIFO order and ends when the last sender goes") {
  auto [tx, rx] = conc::bounded<int>(4);
  for (int i = 0; i < 4; ++i) REQUIRE(tx.send(i));
  tx.reset();
  std::vector<int> got;
  while (auto v = rx.recv()) got.push_back(*v);
  CHECK(got == std::vector<int>{0, 1, 2, 3});
  CHECK_FALSE(rx.recv().has_value());
  CHECK(rx.drained());
}

TEST_CASE("channel stays open while any sender copy lives") {
  auto [tx, rx] = conc::unbounded<std::string>();
  conc::Sender<std::string> copy = tx;
  tx.reset();
  REQUIRE(copy.send("still open"));
  CHECK(rx.recv() == std::optional<std::string>("still open"));
  CHECK_FALSE(rx.try_recv().has_value());
  CHECK_FALSE(rx.drained());
  copy.reset();
  CHECK(rx.drained());
}

TEST_CASE("send fails and hands the value back when every receiver is gone") {
  auto [tx, rx] = conc::bounded<std::unique_ptr<int>>(1);
  rx.reset();
  auto result = tx.send(std::make_unique<int>(7));
  REQUIRE_FALSE(result);
  CHECK(result.status() == conc::SendStatus::kDisconnected);
  REQUIRE(result.value() != nullptr);
  CHECK(*result.value() == 7);
}

TEST_CASE("an unbounded channel refuses a send once every receiver is gone") {
  auto [tx, rx] = conc::unbounded<std::unique_ptr<int>>();
  REQUIRE(tx.send(std::make_unique<int>(1)));  // accepted while a receiver lives
  conc::Receiver<std::unique_ptr<int>> copy = rx;
  rx.reset();
  REQUIRE(tx.send(std::make_unique<int>(2)));  // one receiver copy is left
  copy.reset();
  auto result = tx.send(std::make_unique<int>(3));
  REQUIRE_FALSE(result);
  CHECK(result.status() == conc::SendStatus::kDisconnected);
  REQUIRE(result.value() != nullptr);
  CHECK(*result.value() == 3);
  auto tried = tx.try_send(std::make_unique<int>(4));
  REQUIRE_FALSE(tried);
  CHECK(tried.status() == conc::SendStatus::kDisconnected);
  REQUIRE(tried.value() != nullptr);
  CHECK(*tried.value() == 4);
}

TEST_CASE("a sender blocked on a full channel is released when receivers go") {
  auto [tx, rx] = conc::bounded<int>(1);
  REQUIRE(tx.send(1));
  std::optional<conc::SendResult<int>> outcome;  // checked on this thread: Catch2 is not thread-safe
  std::thread blocked([tx = tx, &outcome]() mutable { outcome.emplace(tx.send(2)); });
  std::this_thread::sleep_for(20ms);
  rx.reset();
  blocked.join();
  REQUIRE(outcome.has_value());
  CHECK(outcome->status() == conc::SendStatus::kDisconnected);
  CHECK(outcome->value() == 2);
}

TEST_CASE("try_send reports a full channel, try_recv an empty one") {
  auto [tx, rx] = conc::bounded<int>(2);
  CHECK_FALSE(rx.try_recv().has_value());
  REQUIRE(tx.try_send(1));
  REQUIRE(tx.try_send(2));
  auto full = tx.try_send(3);
  CHECK(full.status() == conc::SendStatus::kFull);
  CHECK(full.value() == 3);
  CHECK(rx.try_recv() == std::optional<int>(1));
}

TEST_CASE("timed send and receive give up after their timeout") {
  auto [tx, rx] = conc::bounded<int>(1);
  CHECK_FALSE(rx.recv_for(10ms).has_value());
  CHECK_FALSE(rx.drained());
  REQUIRE(tx.send(1));
  auto r = tx.send_for(2, 10ms);
  CHECK(r.status() == conc::SendStatus::kTimeout);
  CHECK(r.value() == 2);
  CHECK(rx.recv_for(10ms) == std::optional<int>(1));
  REQUIRE(tx.send_for(3, 10ms));
}

TEST_CASE("recv_batch takes up to max items in order") {
  auto [tx, rx] = conc::unbounded<int>();
  for (int i = 0; i < 10; ++i) REQUIRE(tx.send(i));
  std::vector<int> out;
  CHECK(rx.recv_batch(out, 4) == 4);
  CHECK(out == std::vector<int>{0, 1, 2, 3});
  tx.reset();
  CHECK(rx.recv_batch(out, 100) == 6);
  CHECK(out.size() == 10);
  CHECK(out.back() == 9);
  CHECK(rx.recv_batch(out, 100) == 0);
}

TEST_CASE("range-for over a receiver drains the channel") {
  auto [tx, rx] = conc::bounded<int>(3);
  std::thread producer([tx = std::move(tx)]() mutable {
    for (int i = 1; i <= 100; ++i) (void)tx.send(i);
  });
  long sum = 0;
  for (int v : rx) sum += v;
  producer.join();
  CHECK(sum == 5050);
}

TEST_CASE("bounded(0) is rejected") { CHECK_THROWS_AS(conc::bounded<int>(0), std::invalid_argument); }

TEST_CASE("channel counts items and time blocked on each side") {
  auto [tx, rx] = conc::bounded<int>(1);
  REQUIRE(tx.send(1));
  // The sender blocks on the full channel; this thread makes room only once
  // the sender sleeps in the kernel (past the channel's spinning, so its
  // blocked time has started), and says so before it makes room: the send
  // cannot have returned before that flag was set.
  std::atomic<pid_t> sender_tid{0};
  std::atomic<bool> room_made{false};
  bool sent = false;
  bool saw_room = false;  // checked on this thread: Catch2 is not thread-safe
  std::thread sender([tx = tx, &sender_tid, &room_made, &sent, &saw_room]() mutable {
    sender_tid.store(::gettid());
    sent = static_cast<bool>(tx.send(2));  // blocks until the receiver makes room
    saw_room = room_made.load();
  });
  wait_until_asleep(sender_tid);
  room_made.store(true);
  CHECK(rx.recv() == std::optional<int>(1));
  sender.join();
  CHECK(sent);
  CHECK(saw_room);

  // The receiver side likewise: an empty channel, a receiver asleep on it.
  std::atomic<pid_t> receiver_tid{0};
  std::atomic<bool> item_sent{false};
  std::optional<int> got;
  bool saw_item = false;
  std::thread receiver([rx = rx, &receiver_tid, &item_sent, &got, &saw_item]() mutable {
    receiver_tid.store(::gettid());
    got = rx.recv();  // item 2 is still queued: taken at once
    got = rx.recv();  // blocks on the empty channel
    saw_item = item_sent.load();
  });
  wait_until_asleep(receiver_tid);
  item_sent.store(true);
  REQUIRE(tx.send(3));
  receiver.join();
  CHECK(got == std::optional<int>(3));
  CHECK(saw_item);

  const conc::ChannelStats s = tx.stats();
  CHECK(s.capacity == 1);
  CHECK(s.sent == 3);
  CHECK(s.received == 3);
  CHECK(s.send_blocked > 0ns);
  CHECK(s.recv_blocked > 0ns);
}

// Conservation: every value sent is received exactly once, whatever the
// capacity and however many producers and consumers race.
TEST_CASE("channel stress: the received multiset equals the sent one") {
  const std::size_t capacity = GENERATE(1u, 2u, 64u, 0u);
  const int producers = GENERATE(1, 4);
  const int consumers = GENERATE(1, 3);
  constexpr int kPerProducer = 20000;
  CAPTURE(capacity, producers, consumers);

  auto [tx, rx] = conc::channel<int>(capacity);
  std::vector<std::vector<int>> received(static_cast<std::size_t>(consumers));
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe: count, check later
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([p, tx = tx, &failures]() mutable {
      std::minstd_rand rng(static_cast<unsigned>(p + 1));
      for (int i = 0; i < kPerProducer; ++i) {
        const int v = p * kPerProducer + i;
        if (rng() % 64 == 0) std::this_thread::yield();  // randomised timing
        if (rng() % 2 == 0) {
          if (!tx.send(v)) failures.fetch_add(1);
        } else {
          auto r = tx.try_send(v);
          while (!r) r = tx.send_for(r.value(), 1ms);
        }
      }
    });
  }
  tx.reset();
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([c, &received, rx = rx]() mutable {
      auto& mine = received[static_cast<std::size_t>(c)];
      std::vector<int> batch;
      for (;;) {
        if (c % 2 == 0) {
          auto v = rx.recv();
          if (!v) break;
          mine.push_back(*v);
        } else {
          batch.clear();
          if (rx.recv_batch(batch, 16) == 0) break;
          mine.insert(mine.end(), batch.begin(), batch.end());
        }
      }
    });
  }
  rx.reset();
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);

  std::vector<int> all;
  for (auto& r : received) all.insert(all.end(), r.begin(), r.end());
  std::sort(all.begin(), all.end());
  std::vector<int> expected(static_cast<std::size_t>(producers * kPerProducer));
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i);
  REQUIRE(all == expected);

  // Each producer's values arrive in its send order at any one consumer.
  for (const auto& r : received) {
    std::vector<int> last(static_cast<std::size_t>(producers), -1);
    for (int v : r) {
      auto& l = last[static_cast<std::size_t>(v / kPerProducer)];
      REQUIRE(v > l);
      l = v;
    }
  }
}
