// The one error model of greentune.
//
// Expected failures (bad config, unknown study, a storage conflict, an exhausted
// search space) travel as Result<T> = tl::expected<T, Error>.  Exceptions are kept
// for conditions the program cannot continue from and never cross module APIs.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace greentune {

enum class ErrorCode {
  kInvalidArgument,  // usage or configuration error: the CLI exits with 2
  kNotFound,         // a study or trial that does not exist
  kConflict,         // a state change that is not allowed (e.g. tell on a finished trial)
  kExhausted,        // the sampler has no new point left (grid done, discrete space covered)
  kIo,               // files, processes
  kStorage,          // the database refused or failed
  kInternal,         // a bug
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

// Status is Result<void>: success or an Error.
using Status = Result<void>;

inline tl::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kExhausted: return "exhausted";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kStorage: return "storage error";
    case ErrorCode::kInternal: return "internal error";
  }
  return "error";
}

// Exit code of the command line for an error: 2 for usage/config errors, else 1.
inline int exit_code_for(const Error& e) {
  return e.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace greentune
