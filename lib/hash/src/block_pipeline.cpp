// The `channels` strategy: I/O and hashing on separate threads, joined by
// bounded channels.
//
//   readers --(blocks of one file, in order)--> hasher k --(outcomes)--> caller
//      ^                                            |
//      +---------------(free buffers)---------------+
//
// -j N runs N readers, but never more than there are files when the list is
// known (a reader without a file would only cost a thread), and as many hashers, but never
// more than the cores the process may use: readers wait on I/O, hashers only
// compute, so hashers beyond the cores (-j 256 on one) add threads, channels
// and buffers in flight but no speed. Readers claim files in input order (from
// a shared index, or from a channel when the jobs arrive as a stream) and read
// each into large blocks; reader k sends every block
// to hasher k mod hashers over a bounded FIFO channel, so a file's blocks are
// hashed in order without any hasher waiting on another (a hasher keeps one
// digest per file it has open), and the file-level fan-out comes from the
// readers sharing the files. (With fewer readers than hashers a big file
// would leave hashers idle, since a file's blocks cannot be spread.) Read buffers are made as needed up to a fixed
// count and go back to their pool once hashed: memory is bounded by buffers x block size, and a full hasher channel
// holds its reader back. A buffer is no bigger than the file it is first taken for needs (a 6-byte file gets a small
// one, not --block-size); a bigger file later swaps it for a bigger one, so the count stays capped.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/diagnostics.h"
#include "common/input.h"
#include "conc/executor.h"
#include "hash/update_guarded.h"
#include "strategies.h"

namespace conc::hash::detail {
namespace {

constexpr std::size_t kBlocksPerHasher = 4;  // queued blocks before a reader waits

// A read buffer and its size, which is at most --block-size.
struct Buffer {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;
};

// The smallest buffer made: a read of a small file still gets a page or so,
// and a file that grows while read only needs more reads.
constexpr std::size_t kMinBuffer = 4096;

struct Block {
  std::size_t job = 0;
  const Job* source = nullptr;  // the job's description (its algorithm), alive until its outcome is delivered
  Buffer buffer;                // read mode: returned to the pool once hashed
  std::shared_ptr<const common::MappedInput> map;  // mmap mode: keeps the mapping alive
  const char* data = nullptr;
  std::size_t size = 0;
  bool last = false;  // the file's final message (no data)
  std::string error;  // on the final message: why the file could not be read to the end
};

// What a hasher keeps per file whose blocks it is receiving.
struct OpenFile {
  common::Digest digest;
  std::uint64_t bytes = 0;
  std::string error;  // set once a block failed; later blocks are skipped
};

class BlockPipeline {
 public:
  BlockPipeline(ClaimJob claim, std::size_t readers, const EngineOptions& o, std::stop_token stop,
                common::ProgressBar* progress)
      : claim_(std::move(claim)), readers_(readers), options_(o), stop_(std::move(stop)), progress_(progress) {}

  // Starts the readers and hashers; every outcome goes to `out`, and the
  // threads drop their copies of it as they finish.
  void start(Sender<Indexed> out) {
    // threads was resolved at the engine's entry; no more hashers than cores
    // (each holds buffers in flight).
    hashers_ = std::min(readers_, available_cores());
    // Every buffer is in the pool, in a reader's hand, queued at a hasher or
    // being hashed: with this many, a reader waiting for one always gets it.
    const std::size_t buffers = readers_ + hashers_ * (kBlocksPerHasher + 1);

    // Made on first need (take_buffer), up to this many: --io mmap reads only
    // stdin, streams and unsized files (/proc), and a few small files need few.
    max_buffers_ = buffers;
    auto [free_tx, free_rx] = conc::bounded<Buffer>(buffers);
    free_rx_ = free_rx;
    std::vector<Sender<Block>> to_hasher;
    for (std::size_t k = 0; k < hashers_; ++k) {
      auto [tx, rx] = conc::bounded<Block>(kBlocksPerHasher);
      to_hasher.push_back(std::move(tx));
      at_hasher_.push_back(std::move(rx));
    }

    for (std::size_t k = 0; k < hashers_; ++k) {
      threads_.emplace_back([this, rx = at_hasher_[k], free_tx, out]() mutable { hash_blocks(rx, free_tx, out); });
    }
    for (std::size_t r = 0; r < readers_; ++r) {
      threads_.emplace_back([this, tx = to_hasher[r % hashers_], free_rx, free_tx, out]() mutable {
        read_files(tx, free_rx, free_tx, out);
      });
    }
    // The threads hold every sender now: the channels close as they finish.
  }

  // Joins the threads (they end once claim_ has no more jobs) and returns their counters.
  conc::RunStats finish() {
    threads_.clear();  // join

    conc::RunStats stats;
    for (std::size_t k = 0; k < hashers_; ++k)
      stats.channels.push_back({"blocks to hasher " + std::to_string(k), at_hasher_[k].stats()});
    stats.channels.push_back({"free buffers", free_rx_.stats()});
    stats.counts.push_back({"reader threads", readers_});
    stats.counts.push_back({"hasher threads", hashers_});
    // relaxed: every thread is joined, which orders their updates before these loads.
    stats.counts.push_back({"read buffers allocated", allocated_buffers_.load(std::memory_order_relaxed)});
    stats.counts.push_back({"read buffer bytes allocated", allocated_bytes_.load(std::memory_order_relaxed)});
    return stats;
  }

 private:
  // Sends cannot fail here: every receiver lives until all threads are joined.

  // Reader thread: claims files in input order and streams their blocks to its hasher.
  void read_files(Sender<Block>& to_hasher, Receiver<Buffer>& free_buffers, Sender<Buffer>& give_back,
                  Sender<Indexed>& out) {
    while (!stop_.stop_requested()) {
      const auto claimed = claim_();
      if (!claimed) return;
      const std::size_t i = claimed->index;
      const Job& job = *claimed->job;
      bool started = false;
      auto send = [&](Block&& b) {
        started = true;
        (void)to_hasher.send(std::move(b));
      };
      Block last;
      last.job = i;
      last.source = &job;
      last.last = true;
      try {
        if (job.stdin_rest) {  // no blocks: the empty digest
          send(std::move(last));
          continue;
        }
        common::Input source = common::Input::open(job.path, job.is_stdin);
        if (options_.io == IoMode::kMmap && source.is_sized()) {
          auto map = std::make_shared<const common::MappedInput>(source);
          for (std::uint64_t at = 0; at < map->size() && !stop_.stop_requested();) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(options_.block_size, map->size() - at));
            Block b;
            b.job = i;
            b.source = &job;
            b.map = map;
            b.data = map->data() + at;
            b.size = n;
            send(std::move(b));
            at += n;
          }
        } else {
          // A sized file needs no more than its size (and a final read that
          // finds the end); an unsized one (a pipe, /proc) a whole block.
          const std::size_t need =
              source.is_sized() && source.size() < options_.block_size
                  ? std::min(options_.block_size,
                             std::max<std::size_t>(kMinBuffer, static_cast<std::size_t>(source.size())))
                  : options_.block_size;
          while (!stop_.stop_requested()) {
            auto buffer = take_buffer(free_buffers, need);
            if (!buffer) break;  // cannot happen: the hashers hold the pool's senders
            Block b;
            b.job = i;
            b.source = &job;
            try {
              b.size = source.read({buffer->data.get(), buffer->capacity}, stop_);
            } catch (...) {
              (void)give_back.send(std::move(*buffer));
              throw;
            }
            if (b.size == 0) {
              (void)give_back.send(std::move(*buffer));
              break;
            }
            b.data = buffer->data.get();
            b.buffer = std::move(*buffer);
            send(std::move(b));
          }
        }
        if (stop_.stop_requested()) last.error = "interrupted";
      } catch (const common::InputError& e) {
        if (!started) {
          if (progress_ != nullptr) progress_->add(1, 0);
          Outcome failed;
          failed.error = common::exception_reason(e);
          failed.missing = e.error_number() == ENOENT;
          (void)out.send({i, std::move(failed)});
          continue;
        }
        last.error = common::exception_reason(e);
      }
      send(std::move(last));
    }
  }

  // A free read buffer of at least `need` bytes: a recycled one, else a new
  // one while fewer than max_buffers_ exist, else the next one a hasher gives
  // back. A recycled buffer smaller than `need` is replaced by one of `need`
  // bytes, so the count of buffers never passes the cap.
  std::optional<Buffer> take_buffer(Receiver<Buffer>& free_buffers, std::size_t need) {
    std::optional<Buffer> buffer = free_buffers.try_recv();
    // relaxed: the count only caps how many are made; the buffers themselves
    // travel through the channel. It may pass the cap: that only means "no more".
    if (!buffer && made_buffers_.fetch_add(1, std::memory_order_relaxed) < max_buffers_) buffer.emplace();
    if (!buffer) buffer = free_buffers.recv();
    if (buffer && buffer->capacity < need) {
      buffer->data.reset();  // freed first: the old and new never coexist
      buffer->data = std::make_unique_for_overwrite<char[]>(need);
      buffer->capacity = need;
      // relaxed: statistics, read after every thread is joined.
      allocated_buffers_.fetch_add(1, std::memory_order_relaxed);
      allocated_bytes_.fetch_add(need, std::memory_order_relaxed);
    }
    return buffer;
  }

  // Hasher thread: hashes every block it is sent, in arrival order.
  void hash_blocks(Receiver<Block>& in, Sender<Buffer>& free_buffers, Sender<Indexed>& out) {
    std::unordered_map<std::size_t, OpenFile> open;
    for (Block& b : in) {
      auto it = open.find(b.job);
      if (it == open.end()) it = open.emplace(b.job, OpenFile{common::Digest(b.source->digest), 0, {}}).first;
      OpenFile& file = it->second;
      if (b.size != 0 && file.error.empty()) {
        try {
          if (b.map) {
            update_guarded(file.digest, b.data, b.size);
          } else {
            file.digest.update(b.data, b.size);
          }
          file.bytes += b.size;
          if (progress_ != nullptr) progress_->add(0, b.size);
        } catch (const std::exception& e) {
          file.error = common::exception_reason(e);
        }
      }
      if (b.buffer.data) (void)free_buffers.send(std::move(b.buffer));
      if (!b.last) continue;
      Outcome outcome;
      outcome.bytes = file.bytes;
      outcome.error = !b.error.empty() ? b.error : file.error;
      if (outcome.error.empty()) outcome.hex = file.digest.hex();
      open.erase(it);
      if (progress_ != nullptr) progress_->add(1, 0);
      (void)out.send({b.job, std::move(outcome)});
    }
  }

  ClaimJob claim_;
  std::size_t readers_;
  std::size_t hashers_ = 0;
  const EngineOptions& options_;
  std::stop_token stop_;
  std::size_t max_buffers_ = 0;
  std::atomic<std::size_t> made_buffers_{0};
  std::atomic<std::uint64_t> allocated_buffers_{0};  ///< allocations, replacements included
  std::atomic<std::uint64_t> allocated_bytes_{0};
  common::ProgressBar* progress_;
  std::vector<Receiver<Block>> at_hasher_;
  Receiver<Buffer> free_rx_;
  std::vector<std::jthread> threads_;  // declared last: joined (destroyed) before what they use
};

}  // namespace

conc::RunStats run_block_pipeline(std::span<const Job> jobs, const EngineOptions& options, std::stop_source& halt,
                                  common::ProgressBar* progress, const OutcomeSink& sink) {
  std::atomic<std::size_t> next{0};
  const ClaimJob claim = [&]() -> std::optional<Claim> {
    // relaxed: only hands out distinct indices; the data travels through channels.
    const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
    if (i >= jobs.size()) return std::nullopt;
    return Claim{i, &jobs[i]};
  };
  // No more readers than files: a reader without a file would only cost a thread.
  BlockPipeline pipeline(claim, std::max<std::size_t>(1, std::min(options.threads, jobs.size())), options,
                         halt.get_token(), progress);
  auto [out_tx, out_rx] = conc::unbounded<Indexed>();
  pipeline.start(std::move(out_tx));
  std::exception_ptr failure;
  try {
    deliver_in_order(out_rx, sink, halt);
  } catch (...) {
    failure = std::current_exception();
  }
  conc::RunStats stats = pipeline.finish();
  stats.channels.push_back({"outcomes", out_rx.stats()});
  if (failure) std::rethrow_exception(failure);
  return stats;
}

conc::RunStats stream_block_pipeline(const ClaimJob& claim, const EngineOptions& options, const std::stop_token& stop,
                                     common::ProgressBar* progress, Sender<Indexed> out,
                                     const std::function<void()>& deliver) {
  BlockPipeline pipeline(claim, options.threads, options, stop, progress);
  pipeline.start(std::move(out));
  std::exception_ptr failure;
  try {
    deliver();
  } catch (...) {
    failure = std::current_exception();
  }
  conc::RunStats stats = pipeline.finish();
  if (failure) std::rethrow_exception(failure);
  return stats;
}

}  // namespace conc::hash::detail
