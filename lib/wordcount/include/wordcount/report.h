// wordcount/report.h: the output formats of conc wordcount.
#pragma once

#include <string>
#include <vector>

#include "common/output.h"
#include "wordcount/wordcount.h"

namespace conc::wordcount {

enum class Format { kText, kTsv, kCsv, kJson, kJsonl };

/// Writes `words` in `format`:
///   text  `word count`        tsv  `word<TAB>count` (the --merge input)
///   csv   a `word,count` header, then RFC 4180 rows
///   json  {"words":[{"word":..,"count":..},..]} with "totals" when given
///   jsonl one {"word":..,"count":..} object per line
void write_counts(common::Output& out, const std::vector<WordCount>& words, Format format, const Totals* totals);

/// `words 12, distinct 5, bytes 80, lines 3`: the --totals line for stderr.
std::string totals_line(const Totals& totals);

}  // namespace conc::wordcount
