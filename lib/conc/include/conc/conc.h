// conc/conc.h: the whole concurrency library in one include.
#pragma once

#include "conc/actor.h"
#include "conc/cache_line.h"
#include "conc/channel.h"
#include "conc/chase_lev_deque.h"
#include "conc/event_count.h"
#include "conc/executor.h"
#include "conc/parallel.h"
#include "conc/reorder_buffer.h"
#include "conc/run_stats.h"
#include "conc/send_result.h"
#include "conc/sharded_map.h"
#include "conc/task.h"
#include "conc/task_group.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
