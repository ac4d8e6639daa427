// Each stage on its own: exact outputs, the stage language, bad stage texts.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "pipeline/stage.h"
#include "temp_dir.h"

using namespace conc::pipeline;

namespace {

// Runs a stage over batches (as a serial stage sees them: in order).
std::string run(Stage& stage, const std::vector<std::string>& batches) {
  std::string out;
  StageControl control;
  std::uint64_t seq = 0;
  for (const auto& data : batches) {
    Batch b;
    b.seq = seq++;
    b.data = data;
    stage.process(b, control);
    out += b.data;
  }
  return out;
}

std::string run(const std::string& text, const std::string& data) {
  auto stage = parse_stage(text);
  return run(*stage, {data});
}

}  // namespace

TEST_CASE("stage words: blanks separate, quotes group, backslashes stay for regexes") {
  CHECK(split_words("replace the THE") == std::vector<std::string>{"replace", "the", "THE"});
  CHECK(split_words("  replace  '\\s+'   \" \" ") == std::vector<std::string>{"replace", "\\s+", " "});
  CHECK(split_words("replace a ''") == std::vector<std::string>{"replace", "a", ""});
  CHECK(split_words("grep \\d+") == std::vector<std::string>{"grep", "\\d+"});
  CHECK(split_words("x \"a\\\"b\\\\c\"") == std::vector<std::string>{"x", "a\"b\\c"});
  CHECK(split_words("x a'b c'd") == std::vector<std::string>{"x", "ab cd"});
  CHECK_THROWS_WITH(split_words("x 'open"), "unterminated ' quote");
  CHECK_THROWS_WITH(split_words("x \"open"), "unterminated \" quote");
}

TEST_CASE("text stages keep line terminators, CRLF and a missing final newline") {
  const std::string in = "  Hello, World \t\r\nabc\n\nNO NEWLINE";
  CHECK(run("upper", in) == "  HELLO, WORLD \t\r\nABC\n\nNO NEWLINE");
  CHECK(run("lower", in) == "  hello, world \t\r\nabc\n\nno newline");
  CHECK(run("trim", in) == "Hello, World \t\r\nabc\n\nNO NEWLINE");
  CHECK(run("trim", " \t x \t \n") == "x\n");
  CHECK(run("rev", "abc\n\xc3\xa9t\xc3\xa9!\nx\xffy") == "cba\n!\xc3\xa9t\xc3\xa9\ny\xffx");
  CHECK(run("upper", std::string("a\0b\n", 4)) == std::string("A\0B\n", 4));
  CHECK(run("upper", "\xc3\xa9") == "\xc3\xa9");  // ASCII letters only, as tr
}

TEST_CASE("cut selects fields as cut -d -f does") {
  const std::string in = "a,b,c,d,e\nno delimiter\n,,\none,two";
  CHECK(run("cut , 1,3-4", in) == "a,c,d\nno delimiter\n,\none");
  CHECK(run("cut , 4,2", in) == "b,d\nno delimiter\n\ntwo");
  CHECK(run("cut , 4-", in) == "d,e\nno delimiter\n\n");
  CHECK(run("cut , -2", in) == "a,b\nno delimiter\n,\none,two");
  CHECK(run("cut ' ' 2", "x y z\n") == "y\n");
  CHECK_THROWS_AS(parse_stage("cut ,, 1"), StageError);
  CHECK_THROWS_AS(parse_stage("cut , 0"), StageError);
  CHECK_THROWS_AS(parse_stage("cut , 3-1"), StageError);
  CHECK_THROWS_AS(parse_stage("cut , -"), StageError);
  CHECK_THROWS_AS(parse_stage("cut , a"), StageError);
}

TEST_CASE("cut's DELIM: one byte is itself, and the escapes \\t (a tab) and \\\\ (a backslash)") {
  CHECK(run("cut '\\t' 2", "a\tb\tc\nd,e\n") == "b\nd,e\n");
  CHECK(run("cut \\t 1,3", "a\tb\tc\n") == "a\tc\n");
  CHECK(run("cut '\t' 2", "a\tb\n") == "b\n");  // a literal tab still works
  // A backslash, written as the escape (quoted or not) or as the one byte
  // (single quotes, or double quotes where \\ is one backslash).
  for (const std::string stage : {"cut '\\\\' 2", "cut \\\\ 2", "cut '\\' 2", "cut \\ 2", "cut \"\\\\\" 2"}) {
    CAPTURE(stage);
    CHECK(run(stage, "a\\b\\c\nt\tu\n") == "b\nt\tu\n");
  }
  CHECK(run("cut 't' 2", "atb\n") == "b\n");  // a t alone is a t
  const std::string want = "cut: the delimiter must be one byte, \\t (a tab) or \\\\ (a backslash), got '";
  for (const std::string bad : {"\\n", "\\r", "\\0", "\\\\\\", "\\\\\\\\", "\\x", "ab", "\\ t"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH(parse_stage("cut '" + bad + "' 2"), want + bad + "'");
  }
}

TEST_CASE("hash appends a tab and the line's digest") {
  CHECK(run("hash sha256", "abc\n") == "abc\tba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
  CHECK(run("hash xxh64", "abc") == "abc\t44bc2cf5ad770999");
  CHECK_THROWS_WITH(parse_stage("hash crc"),
                    "hash: unknown algorithm 'crc' (one of sha256, sha1, sha224, sha384, sha512, md5, "
                    "sha3-256, blake2b, blake3, xxh64, xxh3, xxh128)");
}

TEST_CASE("grep and replace: the literal fast path agrees with RE2") {
  const std::string in = "the cat\nother\nno match here\nthe the the\n\nathe\nlast the";
  // (?:the) is the same pattern, but not a literal: it takes the RE2 path.
  for (const char* pattern : {"the", "(?:the)"}) {
    INFO(pattern);
    const std::string p = pattern;
    CHECK(run("grep " + p, in) == "the cat\nother\nthe the the\nathe\nlast the");
    CHECK(run("grep -v " + p, in) == "no match here\n\n");
    CHECK(run("replace " + p + " X", in) == "X cat\noXr\nno match here\nX X X\n\naX\nlast X");
    CHECK(run("replace-first " + p + " X", in) == "X cat\noXr\nno match here\nX the the\n\naX\nlast X");
  }
  CHECK(run("grep -i THE", "The\nthe\nx\n") == "The\nthe\n");
  CHECK(run("grep -vi THE", "The\nthe\nx\n") == "x\n");
  CHECK(run("grep ^a", "ab\nba\na") == "ab\na");
  CHECK(run("grep b$", "ab\nba\nb") == "ab\nb");
  CHECK(run("replace (\\w+)=(\\w+) \\2=\\1", "a=b c=d\n") == "b=a d=c\n");
  CHECK(run("replace-first (\\w+)=(\\w+) \\2=\\1", "a=b c=d\n") == "b=a c=d\n");
  CHECK(run("replace 'x*' -", "abc\n") == "-a-b-c-\n");
  CHECK(run("replace a ''", "banana\n") == "bnn\n");
}

TEST_CASE("number, uniq and head carry state across batches") {
  auto number = parse_stage("number");
  CHECK(number->serial());
  CHECK(run(*number, {"a\nb\n", "c\n", "d"}) == "     1\ta\n     2\tb\n     3\tc\n     4\td");
  auto uniq = parse_stage("uniq");
  CHECK(run(*uniq, {"a\na\nb\n", "b\nb\nc\n", "c"}) == "a\nb\nc\n");
  // The first line has no line before it, even an empty one (uniq keeps it).
  CHECK(run("uniq", "\n\nx\n") == "\nx\n");
  CHECK(run(*parse_stage("uniq"), {"\n", "\n", "x\n"}) == "\nx\n");
  bool stopped = false;
  auto head = parse_stage("head 3");
  StageControl control;
  control.stop_input = [&] { stopped = true; };
  Batch b1{0, 1, 2, "1\n2\n", false};
  head->process(b1, control);
  CHECK(b1.data == "1\n2\n");
  CHECK_FALSE(stopped);
  Batch b2{1, 3, 3, "3\n4\n5\n", false};
  head->process(b2, control);
  CHECK(b2.data == "3\n");
  CHECK(stopped);
  Batch b3{2, 6, 1, "6\n", false};
  head->process(b3, control);
  CHECK(b3.data.empty());
  CHECK(run("head 0", "a\n").empty());
  CHECK_FALSE(parse_stage("upper")->serial());
}

TEST_CASE("exec runs a shell command per batch") {
  CHECK(run("exec tr a-z A-Z", "abc\ndef") == "ABC\nDEF");
  CHECK(run("exec sed 's/a/b/'", "") == "");
  CHECK(run("exec   echo hi", "ignored\n") == "hi\n");
  // More than a pipe buffer each way: writing and reading must interleave.
  const std::string big(1 << 20, 'x');
  CHECK(run("exec cat", big + "\n") == big + "\n");
  // The command stops reading early (EPIPE for us): what it printed counts.
  CHECK(run("exec head -1", "first\n" + big + "\n") == "first\n");
  CHECK_THROWS_WITH(run("exec exit 3", "a\n"), "exit status 3");
  CHECK_THROWS_WITH(run("exec kill -9 $$", "a\n"), "killed by signal 9");
  CHECK_THROWS_WITH(parse_stage("exec   "), "expected exec CMD, got 0 arguments");
}

TEST_CASE("exec: a script without #! runs through sh, as a shell runs it") {
  conc::test::TempDir dir;
  const auto script = dir.write("script", "echo from-script\ncat\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  REQUIRE(script.find_first_of(" '\"\\$") == std::string::npos);  // a plain word: the direct path
  CHECK(run("exec " + script, "in\n") == "from-script\nin\n");
}

TEST_CASE("exec: a shell builtin gives what sh -c gives, not the program of the same name") {
  // dash's echo prints "-e a", coreutils' /bin/echo prints "a".
  CHECK(run("exec echo -e a", "") == run("exec sh -c 'echo -e a'", ""));
  CHECK(run("exec printf %d-%s 7 x", "") == "7-x");
  CHECK(run("exec test -n x", "") == "");
  CHECK_THROWS_WITH(run("exec test -z x", ""), "exit status 1");
  CHECK(run("exec read x", "a\nb\n") == "");  // a builtin only the shell has
}

TEST_CASE("exec: a command the shell cannot parse, or one ending in a lone backslash, is refused when parsed") {
  const std::string open_quote = "not a valid shell command (sh -n: Syntax error: Unterminated quoted string)";
  CHECK_THROWS_WITH(parse_stage("exec 'unterminated"), open_quote);
  CHECK_THROWS_WITH(parse_stage("exec sed \"s/a/b/"), open_quote);
  CHECK_THROWS_WITH(parse_stage("exec echo \"a\\\""), open_quote);
  CHECK_THROWS_WITH(parse_stage("exec (cat"), Catch::Matchers::StartsWith("not a valid shell command (sh -n: "));
  CHECK_THROWS_WITH(parse_stage("exec tr a b\\"), "the command ends with a lone backslash, which escapes nothing");
  CHECK_THROWS_WITH(parse_stages({"upper", "exec 'x"}), "stage 2 'exec 'x': " + open_quote);
  // What parses runs, quotes nested in $(...) and comments included.
  CHECK(run("exec echo \"$(echo \")\")\"", "") == ")\n");
  CHECK(run("exec cat # it's", "a\n") == "a\n");
  CHECK(run("exec printf '%s\\n' \\\\", "") == "\\\n");
}

TEST_CASE("bad stage texts are usage errors naming the stage") {
  CHECK_THROWS_WITH(parse_stages({"upper", "grep ("}),
                    Catch::Matchers::StartsWith("stage 2 'grep (': invalid regular expression '(': "));
  CHECK_THROWS_WITH(parse_stages({"frobnicate"}),
                    Catch::Matchers::StartsWith("stage 1 'frobnicate': unknown stage 'frobnicate'"));
  CHECK_THROWS_WITH(parse_stages({"upper x"}), "stage 1 'upper x': expected upper, got 1 argument");
  CHECK_THROWS_WITH(parse_stages({"replace a"}), "stage 1 'replace a': expected replace RE REPL, got 1 argument");
  CHECK_THROWS_WITH(parse_stages({"head x"}), "stage 1 'head x': head: expected a line count, got 'x'");
  CHECK_THROWS_WITH(parse_stages({"grep -x a"}), "stage 1 'grep -x a': grep: unknown flag '-x' (-v, -i)");
  CHECK_THROWS_WITH(parse_stages({""}), "stage 1 '': empty stage");
  CHECK_THROWS_WITH(parse_stages({"replace (a) \\2"}),
                    Catch::Matchers::StartsWith("stage 1 'replace (a) \\2': invalid replacement '\\2'"));
}

TEST_CASE("the stage table: every row builds from its example, serial as the table says, messages read it") {
  std::string names;
  for (const auto& info : all_stages()) {
    INFO(info.name);
    const auto stage = parse_stage(std::string(info.example));
    CHECK(stage->serial() == info.serial);
    CHECK(stage->text() == info.example);
    CHECK(find_stage(info.name) == &info);
    CHECK(info.usage.rfind(info.name, 0) == 0);
    CHECK(!info.help.empty());
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  }
  CHECK(all_stages().size() == 13);
  CHECK(find_stage("sort") == nullptr);
  CHECK_THROWS_WITH(parse_stage("sort"), "unknown stage 'sort' (" + names + ")");
  CHECK_THROWS_WITH(parse_stage("head"), "expected head N, got 0 arguments");
  CHECK_THROWS_WITH(parse_stage("grep a b c d"), "expected grep [-v] [-i] RE, got 4 arguments");
}
