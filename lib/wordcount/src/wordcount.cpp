#include "wordcount/wordcount.h"

#include <algorithm>
#include <mutex>
#include <semaphore>
#include <thread>

#include "common/file_walk.h"
#include "common/input.h"
#include "common/read_all.h"
#include "common/saturating.h"
#include "common/simd_text.h"
#include "conc/channel.h"
#include "conc/parallel.h"
#include "conc/sharded_map.h"
#include "conc/task_group.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "conc/worker_local.h"
#include "wordcount/merge_line.h"
#include "wordcount/pieces.h"
#include "wordcount/shard.h"

namespace conc::wordcount {
namespace {

struct alignas(kCacheLine) WorkerState {
  WordTable table;
  std::string scratch;
  ReadBuffer buffer;
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
};

// Which reducer owns a word: high hash bits, independent of the table's slot.
std::size_t partition_of(std::uint64_t hash, std::size_t parts) { return (hash >> 40) % parts; }

struct WordHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return hash_word(s); }
};

// Everything a strategy needs to read its inputs.
struct Job {
  const Options& options;
  const std::vector<common::InputFile>& inputs;
  std::span<const ByteWindow> windows;  ///< a shard's windows of `inputs`; empty: all of them
  const Tokenizer& tokenizer;
  common::Diagnostics& diag;
  std::stop_token stop;
  common::ProgressBar* progress;
  LongWords& long_words;

  void pieces(std::size_t chunk_size, const std::function<void(Piece&&)>& sink, bool whole_files = false) const {
    for_each_piece(inputs, windows, chunk_size, options.max_word, whole_files, tokenizer, diag, stop, long_words, sink);
  }
  // Reads `piece` if need be, lets count(text) count it, and accounts for it.
  template <class Count>
  void process(const Piece& piece, WorkerState& state, Count&& count) const {
    if (stop.stop_requested()) return;  // the run is being abandoned: skip the read
    const std::span<char> text = piece.load(state.buffer, tokenizer, diag);
    count(text);
    state.bytes += text.size();
    state.lines += common::count_newlines({text.data(), text.size()});
    if (progress != nullptr) progress->add(1, piece.input_bytes());
  }
};

// Returns its slot to the semaphore when destroyed: also when the task group
// skips the task after a failure, so the dispatcher can never hang.
class Slot {
 public:
  explicit Slot(std::counting_semaphore<>& s) : sem_(&s) {}
  Slot(Slot&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  Slot& operator=(Slot&&) = delete;
  ~Slot() {
    if (sem_ != nullptr) sem_->release();
  }

 private:
  std::counting_semaphore<>* sem_;
};

// Runs body(text, worker state) for every piece as a task on `pool`, with a
// bounded number of pieces in flight (memory stays bounded on a stream, open
// files on a tree).
//
// With `whole_files` a regular file arrives as one piece of all its ranges,
// and the task that gets it splits it as parallel_for splits an index range:
// it hands the upper half to the group and keeps the lower, down to one
// range. On a work-stealing pool the halves go to the splitting worker's own
// deque, where idle workers steal the biggest; the dispatcher then wakes
// once per file, not once per range. A file's slot is shared by its halves
// and returned when the last of them is done.
template <class Body>
void run_pieces(Executor& pool, const Job& job, std::size_t chunk_size, bool whole_files,
                WorkerLocal<WorkerState>& states, Body body) {
  std::counting_semaphore<> slots(static_cast<std::ptrdiff_t>(2 * pool.concurrency() + 2));
  TaskGroup group(pool);
  std::function<void(Piece, const std::shared_ptr<Slot>&)> run = [&](Piece piece, const std::shared_ptr<Slot>& slot) {
    while (piece.ranges() > 1) {
      auto [lower, upper] = piece.split();
      group.run([&run, upper = std::move(upper), slot] { run(upper, slot); });
      piece = std::move(lower);
    }
    WorkerState& state = states.local();
    job.process(piece, state, [&](std::span<char> text) { body(text, state); });
  };
  job.pieces(
      chunk_size,
      [&](Piece&& piece) {
        slots.acquire();
        group.run([&run, piece = std::move(piece), slot = std::make_shared<Slot>(slots)] { run(piece, slot); });
      },
      whole_files);
  group.wait();
}

void count_text(const Tokenizer& tok, std::span<char> text, WorkerState& state) {
  tok.fold_in_place(text);
  const auto begin = reinterpret_cast<std::uintptr_t>(text.data());
  const std::uintptr_t end = begin + text.size();
  PrefetchingAdder adder(state.table);
  tok.for_each({text.data(), text.size()}, state.scratch, [&](std::string_view w) {
    const auto at = reinterpret_cast<std::uintptr_t>(w.data());
    if (at >= begin && at < end) {
      adder.add(w);  // a view into the piece: it can wait a few lookups
    } else {
      state.table.add(w);  // folded into scratch, which the next word reuses
    }
  });
}

// Merges per-worker tables into `parts` disjoint tables, one task per part.
std::vector<WordTable> merge_partitioned(Executor& pool, const WorkerLocal<WorkerState>& states) {
  const std::size_t parts = useful_parallelism(pool);  // not one per thread: each part scans every table
  std::vector<WordTable> merged(parts);
  parallel_for(pool, 0, parts, 1, [&](std::size_t p) {
    states.for_each([&](const WorkerState& s) {
      s.table.for_each([&](std::string_view w, const WordKey& k, std::uint64_t c) {
        if (partition_of(k.hash, parts) == p) merged[p].add(w, k, c);
      });
    });
  });
  return merged;
}

void add_totals(const WorkerState& s, Totals& t) {
  t.bytes += s.bytes;
  t.lines += s.lines;
}

void run_seq(const Job& job, Result& r) {
  WorkerState s;
  job.pieces(job.options.chunk_size, [&](Piece&& piece) {
    job.process(piece, s, [&](std::span<char> text) { count_text(job.tokenizer, text, s); });
  });
  add_totals(s, r.totals);
  r.tables.push_back(std::move(s.table));
}

template <class Pool>
void run_local(const Job& job, Result& r, std::size_t chunk_size, bool whole_files) {
  Pool pool(job.options.threads);
  WorkerLocal<WorkerState> states(pool);
  run_pieces(pool, job, chunk_size, whole_files, states,
             [&](std::span<char> text, WorkerState& s) { count_text(job.tokenizer, text, s); });
  states.for_each([&](const WorkerState& s) { add_totals(s, r.totals); });
  r.tables = merge_partitioned(pool, states);
  r.stats.workers = pool.worker_stats();
}

void run_mutex(const Job& job, Result& r) {
  ThreadPool pool(job.options.threads);
  WorkerLocal<WorkerState> states(pool);
  std::mutex mutex;
  WordTable shared;
  run_pieces(pool, job, job.options.chunk_size, false, states, [&](std::span<char> text, WorkerState& s) {
    job.tokenizer.for_each({text.data(), text.size()}, s.scratch, [&](std::string_view w) {
      std::lock_guard lock(mutex);  // the naive design: one lock per word
      shared.add(w);
    });
  });
  states.for_each([&](const WorkerState& s) { add_totals(s, r.totals); });
  r.tables.push_back(std::move(shared));
  r.stats.workers = pool.worker_stats();
}

void run_sharded(const Job& job, Result& r) {
  ThreadPool pool(job.options.threads);
  WorkerLocal<WorkerState> states(pool);
  ShardedMap<std::string, std::uint64_t, WordHash, std::equal_to<>> map(64 * useful_parallelism(pool));
  run_pieces(pool, job, job.options.chunk_size, false, states, [&](std::span<char> text, WorkerState& s) {
    job.tokenizer.for_each({text.data(), text.size()}, s.scratch,
                           [&](std::string_view w) { map.update(w, [](std::uint64_t& c) { ++c; }); });
  });
  states.for_each([&](const WorkerState& s) { add_totals(s, r.totals); });
  r.tables.resize(map.shard_count());
  parallel_for(pool, 0, map.shard_count(), 1, [&](std::size_t i) {
    for (const auto& [word, count] : map.take_shard(i)) r.tables[i].add(word, count);
  });
  r.stats.workers = pool.worker_stats();
}

void run_channels(const Job& job, Result& r) {
  const std::size_t mappers = thread_count(job.options.threads);
  // Reducers are partitions: every piece is cut into one table per reducer,
  // so more of them than the cores the process may use (-j 256 on one) only
  // multiply the small tables each piece makes and sends.
  const std::size_t reducers = std::min(mappers, available_cores());
  auto [piece_tx, piece_rx] = bounded<Piece>(2 * mappers);
  std::vector<Sender<WordTable>> to_reducer;
  std::vector<Receiver<WordTable>> at_reducer;
  for (std::size_t i = 0; i < reducers; ++i) {
    auto [tx, rx] = bounded<WordTable>(4);
    to_reducer.push_back(std::move(tx));
    at_reducer.push_back(std::move(rx));
  }
  // Receivers that never receive: they keep the counters readable for --stats.
  const Receiver<Piece> piece_stats = piece_rx;
  const std::vector<Receiver<WordTable>> reducer_stats = at_reducer;

  std::vector<WordTable> merged(reducers);
  std::vector<WorkerState> states(mappers);
  {
    std::vector<std::jthread> threads;
    for (std::size_t r_i = 0; r_i < reducers; ++r_i) {
      threads.emplace_back([&merged, r_i, rx = std::move(at_reducer[r_i])]() mutable {
        for (WordTable& part : rx) merged[r_i].merge(part);
      });
    }
    for (std::size_t m = 0; m < mappers; ++m) {
      threads.emplace_back([&, m, rx = piece_rx, out = to_reducer]() mutable {
        WorkerState& s = states[m];
        for (Piece& piece : rx) {
          job.process(piece, s, [&](std::span<char> text) {
            std::vector<WordTable> parts(reducers);
            job.tokenizer.for_each({text.data(), text.size()}, s.scratch, [&](std::string_view w) {
              const WordKey k = key_of(w);
              parts[partition_of(k.hash, reducers)].add(w, k, 1);
            });
            for (std::size_t i = 0; i < reducers; ++i) {
              if (parts[i].size() != 0) (void)out[i].send(std::move(parts[i]));
            }
          });
        }
      });
    }
    piece_rx.reset();
    to_reducer.clear();  // now only the mappers hold senders to the reducers
    job.pieces(job.options.chunk_size, [&](Piece&& piece) { (void)piece_tx.send(std::move(piece)); });
    piece_tx.reset();  // mappers drain and end, then reducers
  }
  for (const auto& s : states) add_totals(s, r.totals);
  r.tables = std::move(merged);
  r.stats.channels.push_back({"pieces", piece_stats.stats()});
  for (std::size_t i = 0; i < reducers; ++i) {
    r.stats.channels.push_back({"partition " + std::to_string(i), reducer_stats[i].stats()});
  }
}

// --merge: sums `word<TAB>count` lines.
class MergeParser {
 public:
  MergeParser(common::Diagnostics& diag, WordTable& table, Totals& totals, std::size_t max_line)
      : diag_(diag), table_(table), totals_(totals), max_line_(max_line) {}

  // What each input held, for check_shard_parts.
  [[nodiscard]] const std::vector<MergeTally>& tallies() const noexcept { return tallies_; }

  // Reads `in` to its end (or until `stop`: then the partial last line is
  // dropped), or up to a line longer than the limit: reported, the rest skipped.
  void input(common::Input& in, const std::string& name, const std::stop_token& stop) {
    tallies_.emplace_back().name = name;
    std::string buf(1 << 20, '\0');
    std::string partial;
    std::uint64_t line_no = 0;
    for (;;) {
      std::size_t n = 0;
      try {
        n = in.read(buf, stop);
      } catch (const common::InputError& e) {
        diag_.error(name, common::exception_reason(e));
        return;
      }
      if (stop.stop_requested()) return;
      if (n == 0) break;
      totals_.bytes += n;
      std::string_view data(buf.data(), n);
      std::size_t nl;
      while ((nl = data.find('\n')) != std::string_view::npos) {
        if (partial.size() + nl > max_line_) return too_long(name, line_no + 1);
        ++totals_.lines;
        if (partial.empty()) {
          line(data.substr(0, nl), name, ++line_no);
        } else {
          partial.append(data.substr(0, nl));
          line(partial, name, ++line_no);
          partial.clear();
        }
        data.remove_prefix(nl + 1);
      }
      // The line read on: bounded by the limit, so /dev/zero cannot grow it.
      if (partial.size() + data.size() > max_line_) return too_long(name, line_no + 1);
      partial.append(data);
    }
    if (!partial.empty()) {  // no final newline
      // A part cut mid-line is refused whole (check_shard_parts): its
      // last line is not read as a count.
      tallies_.back().unterminated_line = ++line_no;
      if (tallies_.back().headers.empty()) line(partial, name, line_no);
    }
  }

 private:
  void too_long(const std::string& name, std::uint64_t no) {
    const std::string reason = "line longer than " + common::limit_text(max_line_);
    if (in_part(no)) refuse(name, no, reason + ": a part holds no such line");
    diag_.error(name + ":" + std::to_string(no), reason);
  }

  // Whether line `no` of the current input belongs to a part of a --shard
  // job: the input opened with a header, or (its first line) another input
  // did. A part's lines are never reported one by one: a bad one refuses
  // the merge.
  [[nodiscard]] bool in_part(std::uint64_t no) const {
    return !tallies_.back().headers.empty() || (no == 1 && part_seen_);
  }

  [[noreturn]] static void refuse(const std::string& name, std::uint64_t no, const std::string& reason) {
    throw std::runtime_error(common::printable_name(name + ":" + std::to_string(no)) + ": " + reason);
  }

  void line(std::string_view text, const std::string& name, std::uint64_t no) {
    MergeTally& tally = tallies_.back();
    if (text.substr(0, kShardHeaderStart.size()) == kShardHeaderStart) {
      ShardRecord record;
      try {
        record = parse_shard_record(text);
      } catch (const std::exception& e) {
        refuse(name, no, std::string("a malformed conc-shard line (") + e.what() + ")");
      }
      if (record.header && no != 1 && tally.headers.empty()) {
        refuse(name, no, "a conc-shard header after other lines: a part opens with its header");
      }
      if (!record.header && no == 1) refuse(name, no, "not a part: it does not open with a conc-shard header");
      if (record.header) {
        part_seen_ = true;
        tally.headers.push_back(std::move(*record.header));
      } else {
        (record.walk ? tally.walk_errors : tally.failures).push_back(std::move(record.error));
      }
      return;
    }
    if (no == 1 && part_seen_) {
      // Another input is a part, so this one must be (check_shard_parts):
      // refused now, rather than after a diagnostic for each of its lines.
      refuse(name, no, "does not open with a conc-shard header, yet other inputs are parts of a --shard job");
    }
    const MergeLine parsed = parse_merge_line(text);
    if (!parsed.error.empty()) {
      if (!in_part(no)) return diag_.error(name + ":" + std::to_string(no), parsed.error);
      // Checked after the sums (check_shard_parts), which blame an altered part first.
      tally.malformed.keep_first(no, parsed.error + ": a part was altered");
      return;
    }
    if (!table_.add_checked(parsed.word, parsed.count)) {
      const std::string passes = "count of '" + common::printable_name(parsed.word) + "' passes " +
                                 std::to_string(UINT64_MAX) + " (the largest count)";
      if (!in_part(no)) return diag_.error(name + ":" + std::to_string(no), passes + ": line not added");
      // A sound line of its part (counted below, so its sums still hold):
      // the merge is refused once every part's sums are checked.
      tally.overflow.keep_first(no, passes + " with the other parts' counts: they cannot be merged");
    }
    ++tally.count_lines;
    tally.count_sum = common::saturating_add(tally.count_sum, parsed.count);
  }

  common::Diagnostics& diag_;
  WordTable& table_;
  Totals& totals_;
  std::size_t max_line_;
  std::vector<MergeTally> tallies_;
  bool part_seen_ = false;  // an input so far held a conc-shard header
};

void run_merge(const Job& job, Result& r) {
  WordTable table;
  MergeParser parser(job.diag, table, r.totals, job.options.max_merge_line);
  for (const auto& in : job.inputs) {
    if (job.stop.stop_requested()) break;
    try {
      common::Input input = common::Input::open(in.path, in.is_stdin);
      parser.input(input, in.path, job.stop);
    } catch (const common::InputError& e) {
      job.diag.error(in.path, common::exception_reason(e));
    }
  }
  // Parts of a --shard job: whole and of one job, or no merge at all. The
  // totals are then the original input's, not the parts'.
  if (!job.stop.stop_requested()) {
    if (const auto original = check_shard_parts(parser.tallies())) {
      r.totals.bytes = original->totals.bytes;
      r.totals.lines = original->totals.lines;
      for (const std::string& line : original->errors) job.diag.relay_error(line);
    }
  }
  r.tables.push_back(std::move(table));
}

// The output order: count descending, then word ascending by bytes. Ties on
// the count are the rule (most words of a big vocabulary are rare), so each
// key carries the word's first 8 bytes as a big-endian number: two words
// whose prefixes differ compare in one instruction, in the same order as
// their bytes; only equal prefixes fall back to comparing the words.
struct SortKey {
  std::uint64_t count;
  std::uint64_t prefix;
  std::string_view word;
};

bool before(const SortKey& a, const SortKey& b) {
  if (a.count != b.count) return a.count > b.count;
  if (a.prefix != b.prefix) return a.prefix < b.prefix;
  return a.word < b.word;  // std::string_view compares bytes as unsigned char
}

constexpr common::StrategyInfo<Strategy> kStrategies[] = {
    {Strategy::kSteal, "steal",
     "a table per worker on the WorkStealingPool; each file's ranges (a quarter of --chunk-size) split in halves "
     "on the workers, idle ones stealing them; merged by hash partition in parallel",
     true},
    {Strategy::kLocal, "local",
     "a table per worker on the shared-queue ThreadPool, merged by hash partition in parallel", false},
    {Strategy::kSeq, "seq", "one thread, one table: the baseline", false},
    {Strategy::kMutex, "mutex", "all workers update one table behind one mutex (the naive design)", false},
    {Strategy::kSharded, "sharded", "all workers update one ShardedMap (striped shared_mutex locks)", false},
    {Strategy::kChannels, "channels",
     "mappers send per-piece partial tables over bounded channels to reducers owning hash partitions", false},
};

}  // namespace

std::span<const common::StrategyInfo<Strategy>> strategies() noexcept { return kStrategies; }

Result count_words(const Options& requested, common::Diagnostics& diag, std::stop_token stop,
                   common::ProgressBar* progress) {
  Options options = requested;
  options.threads = thread_count(requested.threads);  // resolved once: 0 is every core
  std::vector<std::string> paths = options.inputs;
  if (paths.empty()) paths.push_back("-");
  Result r;
  // A shard keeps the errors it reports, for its part: the tap runs under
  // diag's lock, so the workers' reports append one at a time.
  const bool shard = options.shard && !options.merge;
  bool walking = true;  // set before any worker starts
  common::Diagnostics::Sink record;
  if (shard) {
    record = [&r, &walking](std::string_view line) {
      (walking ? r.shard_walk_errors : r.shard_failures).emplace_back(line);
    };
  }
  const common::ErrorTap tap(diag, std::move(record));
  auto inputs = common::walk(paths, requested.walk, diag);
  walking = false;
  std::vector<ByteWindow> windows;
  if (shard) {
    ShardPlan plan = plan_shard(inputs, *options.shard, options.tokenizer, options.max_word);
    inputs = std::move(plan.inputs);
    windows = std::move(plan.windows);
    r.shard_fingerprint = std::move(plan.fingerprint);
  }
  if (progress != nullptr) {
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      bytes += windows.empty() ? inputs[i].size : windows[i].end - windows[i].begin;
    }
    progress->set_total(0, bytes);
  }

  const Tokenizer tokenizer(options.tokenizer);
  LongWords long_words;
  const Job job{options, inputs, windows, tokenizer, diag, stop, progress, long_words};
  if (options.merge) {
    run_merge(job, r);
    r.stats.executor = "seq";  // parsed sequentially whatever the strategy
  } else {
    switch (options.strategy) {
      case Strategy::kSeq: run_seq(job, r); break;
      case Strategy::kMutex: run_mutex(job, r); break;
      case Strategy::kSharded: run_sharded(job, r); break;
      case Strategy::kLocal: run_local<ThreadPool>(job, r, options.chunk_size, false); break;
      case Strategy::kSteal:
        run_local<WorkStealingPool>(job, r, std::max<std::size_t>(1, options.chunk_size / 4), true);
        break;
      case Strategy::kChannels: run_channels(job, r); break;
    }
    r.stats.executor = std::string(common::strategy_info(strategies(), options.strategy).name);
  }
  // What the ranges after an over-long word counted, taken back below.
  WorkerState skipped;
  if (!stop.stop_requested()) {
    long_words.take_back(tokenizer, diag, [&](std::span<char> text) {
      skipped.bytes += text.size();
      skipped.lines += common::count_newlines({text.data(), text.size()});
      count_text(tokenizer, text, skipped);
    });
    r.totals.bytes -= std::min(skipped.bytes, r.totals.bytes);
    r.totals.lines -= std::min(skipped.lines, r.totals.lines);
  }

  std::size_t distinct = 0;
  for (const auto& t : r.tables) distinct += t.size();
  std::vector<SortKey> keys;
  keys.reserve(distinct);
  for (const auto& t : r.tables) {
    t.for_each([&](std::string_view w, const WordKey& k, std::uint64_t c) {
      if (skipped.table.size() != 0) {
        // >=: only a file changed since it was counted could take back more.
        const std::uint64_t back = skipped.table.count_of(w);
        if (back >= c) return;
        c -= back;
      }
      keys.push_back({c, __builtin_bswap64(k.head), w});           // head: the first 8 bytes, little-endian
      r.totals.words = common::saturating_add(r.totals.words, c);  // merged counts may add past 2^64-1
    });
  }
  std::sort(keys.begin(), keys.end(), before);
  r.sorted.reserve(keys.size());
  for (const auto& k : keys) r.sorted.push_back({k.word, k.count});
  r.totals.distinct = r.sorted.size();
  r.stats.items = r.sorted.size();
  r.stats.bytes = r.totals.bytes;
  r.stats.work_unit = "word";
  r.stats.work = r.totals.words;
  return r;
}

std::vector<WordCount> select(const std::vector<WordCount>& sorted, std::size_t top, std::uint64_t min_count) {
  std::vector<WordCount> out;
  for (const auto& wc : sorted) {
    if (wc.count < min_count) break;  // sorted by count: the rest are smaller
    if (top != 0 && out.size() == top) break;
    out.push_back(wc);
  }
  return out;
}

}  // namespace conc::wordcount
