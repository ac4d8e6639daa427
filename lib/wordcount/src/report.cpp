#include "wordcount/report.h"

#include "common/csv.h"
#include "common/json_writer.h"

namespace conc::wordcount {
namespace {

void json_totals(common::JsonWriter& w, const Totals& t) {
  w.begin_object();
  w.key("words").value(t.words);
  w.key("distinct").value(t.distinct);
  w.key("bytes").value(t.bytes);
  w.key("lines").value(t.lines);
  w.end_object();
}

}  // namespace

std::string totals_line(const Totals& t) {
  return "words " + std::to_string(t.words) + ", distinct " + std::to_string(t.distinct) + ", bytes " +
         std::to_string(t.bytes) + ", lines " + std::to_string(t.lines);
}

void write_counts(common::Output& out, const std::vector<WordCount>& words, Format format, const Totals* totals) {
  std::string line;
  switch (format) {
    case Format::kText:
    case Format::kTsv: {
      const char sep = format == Format::kText ? ' ' : '\t';
      for (const auto& wc : words) {
        line.assign(wc.word);
        line.push_back(sep);
        line += std::to_string(wc.count);
        line.push_back('\n');
        out.write(line);
      }
      break;
    }
    case Format::kCsv:
      out.write("word,count\n");
      for (const auto& wc : words) {
        line.clear();
        common::append_csv_field(line, wc.word);
        line.push_back(',');
        line += std::to_string(wc.count);
        line.push_back('\n');
        out.write(line);
      }
      break;
    case Format::kJsonl:
      for (const auto& wc : words) {
        common::JsonWriter w;
        w.begin_object().key("word").value(wc.word).key("count").value(wc.count).end_object();
        out.write(w.str());
        out.put('\n');
      }
      break;
    case Format::kJson: {
      out.write("{\"words\":[");
      bool first = true;
      for (const auto& wc : words) {
        common::JsonWriter w;
        w.begin_object().key("word").value(wc.word).key("count").value(wc.count).end_object();
        if (!first) out.put(',');
        first = false;
        out.write(w.str());
      }
      out.put(']');
      if (totals != nullptr) {
        common::JsonWriter w;
        json_totals(w, *totals);
        out.write(",\"totals\":");
        out.write(w.str());
      }
      out.write("}\n");
      break;
    }
  }
}

}  // namespace conc::wordcount
