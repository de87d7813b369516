// The JSON subset of the journal's flat records (doc/journal.md §1): one
// object of string and non-negative integer members. Hand-written because
// no JSON library is in our dependency table, and because these records
// need nothing more. Private to libvz. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "base/status.h"

namespace vz::journal {

// Appends `s` as a JSON string, quotes included: escapes '"', '\\',
// control characters, DEL, U+2028 and U+2029; bytes that are not valid
// UTF-8 become U+FFFD. The result is always valid JSON on one line.
void AppendJsonString(std::string* out, std::string_view s);
std::string JsonString(std::string_view s);

using FlatValue = std::variant<std::string, uint64_t>;
using FlatObject = std::map<std::string, FlatValue, std::less<>>;

// Parses one flat object. Errors: kInvalidArgument saying what is wrong
// and where (byte offset): nesting, literals, raw control characters,
// invalid UTF-8, lone surrogates, duplicate members, trailing text.
Result<FlatObject> ParseFlatObject(std::string_view text);

// The length of the valid UTF-8 sequence at s[i], or 0 if there is none
// (overlong forms and encoded surrogates are invalid).
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace vz::journal
