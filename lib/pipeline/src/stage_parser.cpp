#include <cctype>

#include "pipeline/stage.h"

namespace conc::pipeline {

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const auto close = text.find('\'', i + 1);
      if (close == std::string::npos) throw StageError("unterminated ' quote");
      word.append(text, i + 1, close - i - 1);
      i = close;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) throw StageError("unterminated \" quote");
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) ++i;
        word.push_back(text[i]);
      }
    } else {
      word.push_back(c);  // a backslash outside quotes is literal: regexes keep theirs
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::unique_ptr<Stage> parse_stage(const std::string& text) {
  std::size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  std::size_t end = start;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
  const std::string name = text.substr(start, end - start);
  if (name.empty()) throw StageError("empty stage");
  if (name == "exec") {
    std::size_t cmd = end;
    while (cmd < text.size() && (text[cmd] == ' ' || text[cmd] == '\t')) ++cmd;
    if (cmd == text.size()) throw StageError("exec needs a command");
    return make_exec_stage(text, text.substr(cmd));
  }
  const auto words = split_words(text);
  if (auto s = make_text_stage(text, words)) return s;
  if (auto s = make_regex_stage(text, words)) return s;
  if (auto s = make_serial_stage(text, words)) return s;
  throw StageError("unknown stage '" + name +
                   "' (grep, replace, replace-first, upper, lower, trim, rev, cut, hash, number, uniq, head, exec)");
}

}  // namespace conc::pipeline
