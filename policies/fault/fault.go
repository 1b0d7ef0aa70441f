// Package fault is the error vocabulary of PolicyBot's core: the few kinds
// of refusal (Invalid, NotFound, Conflict, Rejected, TooLarge, Unsupported)
// and the error that carries one, with the check that failed (Code) and
// what the person is told, in English and Chinese (Msg).
//
// The core (bot, corpus, ingest, the stores) returns an *Error for every
// request it refuses; any other error is internal (a database that fails,
// a cancelled context). Each adapter translates the kinds in one place:
// web to an HTTP status with the bilingual message, slackbot to a Slack
// reply, cmd to an exit message. So the adapters never repeat the core's
// checks, and never read its sentences: a program that must act on which
// check failed compares Code.
//
// The package imports nothing of the project but lang, so every package
// may use it.
package fault

import (
	"errors"

	"policybot/policies/lang"
)

// Kind is what sort of refusal an error is. A Kind is an error itself, so
// that errors.Is(err, fault.NotFound) matches every error of that kind.
type Kind string

// The kinds.
const (
	// Invalid: a malformed request or value (an empty message, a bad date
	// or version number).
	Invalid Kind = "invalid"
	// NotFound: no such thing (document, version, message).
	NotFound Kind = "not_found"
	// Conflict: the request does not fit the current state (publishing a
	// version that is not a draft), or the state changed under it.
	Conflict Kind = "conflict"
	// Rejected: the content does not validate (parse errors, injected
	// spam), so it cannot be used.
	Rejected Kind = "rejected"
	// TooLarge: over a limit (a message's length, a file's size or pages).
	TooLarge Kind = "too_large"
	// Unsupported: a kind of input that cannot be handled (a spreadsheet,
	// a scanned PDF without text).
	Unsupported Kind = "unsupported"
)

func (k Kind) Error() string { return string(k) }

// Error is a refusal a person is told about.
type Error struct {
	Kind Kind
	// Code names the check that failed ("empty_message",
	// "no_such_document"), for a program that acts on it; "" when none
	// needs to. Codes are listed where they are returned.
	Code string
	// Msg says what is wrong and what to do, in both languages; it is safe
	// to show.
	Msg lang.Text
	// Err is the underlying cause, for logs; it may be nil.
	Err error
}

// New returns the refusal of the given kind and code with message msg.
func New(kind Kind, code string, msg lang.Text) *Error {
	return &Error{Kind: kind, Code: code, Msg: msg}
}

// Wrap is New with the cause err (for logs).
func Wrap(kind Kind, code string, msg lang.Text, err error) *Error {
	return &Error{Kind: kind, Code: code, Msg: msg, Err: err}
}

// Error is the message in both languages, with the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg.String() + ": " + e.Err.Error()
	}
	return e.Msg.String()
}

// Unwrap lets errors.Is match the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// As returns the *Error in err's chain, or nil when err is internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf is the kind of err; "" for an internal error.
func KindOf(err error) Kind {
	if e := As(err); e != nil {
		return e.Kind
	}
	return ""
}

// CodeOf is the code of err; "" for an internal error or one without.
func CodeOf(err error) string {
	if e := As(err); e != nil {
		return e.Code
	}
	return ""
}
