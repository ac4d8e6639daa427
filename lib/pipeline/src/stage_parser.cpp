#include <cctype>

#include "pipeline/stage.h"
#include "stage_args.h"

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
  const StageInfo* info = find_stage(name);
  if (info == nullptr) {
    std::string names;
    for (const auto& s : all_stages()) names += (names.empty() ? "" : ", ") + std::string(s.name);
    throw StageError("unknown stage '" + name + "' (" + names + ")");
  }
  std::vector<std::string> words;
  if (info->rest_is_argument) {
    std::size_t rest = end;
    while (rest < text.size() && (text[rest] == ' ' || text[rest] == '\t')) ++rest;
    words = {name};
    if (rest < text.size()) words.push_back(text.substr(rest));
    detail::expect_args(words, info->min_args, info->max_args, info->usage);
  } else {
    words = split_words(text);
    detail::expect_args(words, info->min_args, info->max_args, info->usage);
  }
  return info->make(text, words);
}

}  // namespace conc::pipeline
