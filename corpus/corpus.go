// Package corpus is the managed policy corpus: documents uploaded by
// officials as numbered versions that are drafted, published, retired and
// rolled back, with an audit log of every change, and the live retrieval
// index kept to the published versions.
//
// The Service is the one path every face (the admin page, its JSON API, the
// CLI) goes through. It keeps its state in a record.Store (SQLite or
// PostgreSQL, package store) and never imports a database, HTTP or file
// format package: uploads are converted by the Converter it is given (cmd
// gives it ingest's). What the stores keep — versions, statuses, the audit
// log — is package corpus/record, which imports nothing heavy, so that the
// stores implement it without importing the index this package builds.
// The Service refuses requests with *fault.Error (codes below) and
// *StaleError.
package corpus

import (
	"context"
	"fmt"
	"time"

	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

// Every error the Service returns for a request it refuses is a
// *fault.Error (fault.NotFound, fault.Conflict, fault.Invalid or
// fault.Rejected) whose Msg can be shown to the official, with one of the
// codes below; or a *StaleError. Other errors (a store that fails, a
// cancelled context) are internal.

// The codes of the Service's refusals (fault.Error.Code).
const (
	CodeNoDocument     = "no_such_document"  // fault.NotFound
	CodeNoVersion      = "no_such_version"   // fault.NotFound
	CodeNoDraft        = "no_draft"          // fault.Conflict: nothing to publish
	CodeNotDraft       = "not_a_draft"       // fault.Conflict: only drafts are published
	CodeNeverPublished = "never_published"   // fault.Conflict: a rollback to a draft
	CodeLive           = "live_already"      // fault.Conflict: a rollback to the live version
	CodeNotPublished   = "not_published"     // fault.Conflict: nothing to retire
	CodeRetired        = "retired_already"   // fault.Conflict
	CodeChanged        = "changed_meanwhile" // fault.Conflict: another writer won the race
	CodeHasErrors      = "has_errors"        // fault.Rejected: the version does not validate
	CodeNoVersionGiven = "version_required"  // fault.Invalid
	CodeNoInsights     = "no_insights"       // fault.NotFound: no message log
)

// refuse is a refusal the official is told about.
func refuse(kind fault.Kind, code string, en, zh string) *fault.Error {
	return fault.New(kind, code, lang.T(en, zh))
}

// StaleError is the conflict of a publish made on an outdated view: the
// version of the document that the official saw (Base) is no longer its
// current one, because someone published, rolled back or retired it
// meanwhile. It wraps fault.Conflict; nothing was changed.
type StaleError struct {
	DocID string
	// Base is the current version the official saw (0: none, a new
	// document); Current is the one now (0: none).
	Base, Current int
	// By and At are who made the last change to the document and when,
	// from the audit log ("" and zero when unknown).
	By string
	At time.Time
	// Diff is what changed from Base to Current.
	Diff Diff
}

// Msg says what happened and what to do.
func (e *StaleError) Msg() lang.Text {
	by, byZh := "", "他人"
	if e.By != "" {
		by, byZh = " by "+e.By, " "+e.By+" "
	}
	added, removed, changed := len(e.Diff.Added), len(e.Diff.Removed), len(e.Diff.Changed)
	return lang.T(
		fmt.Sprintf("%s changed%s since you looked: it was at version %d, it is now at version %d (%d articles added, %d removed, %d changed): reload it, check the changes and publish again",
			e.DocID, by, e.Base, e.Current, added, removed, changed),
		fmt.Sprintf("文档 %s 在您查看（第 %d 版）之后已被%s修改，现为第 %d 版（新增 %d 条、删除 %d 条、修改 %d 条）。请刷新页面，核对改动后再决定是否发布。",
			e.DocID, e.Base, byZh, e.Current, added, removed, changed))
}

func (e *StaleError) Error() string { return e.Msg().String() }

// Unwrap lets errors.Is match fault.Conflict.
func (e *StaleError) Unwrap() error { return fault.Conflict }

// The codes of the findings the Service adds to the parser's
// (policies.Finding.Code).
const (
	// CodeFile: the file could not be converted at all (empty, damaged,
	// encrypted, of an unknown type).
	CodeFile = "file"
	// CodeNoFrontMatter: the file has no front matter and the form gives
	// no document id; the form's fields are what the official must fill.
	CodeNoFrontMatter = "no_front_matter"
)

// Converter turns an uploaded file (name: only its extension counts) into
// the corpus format, Markdown with front matter (policies/FORMAT.md),
// writing meta as the front matter of a file that has none. A file it
// refuses (empty, damaged, of an unsupported type, too large) is a
// *fault.Error whose Msg the official is shown; any other error is
// internal. cmd wires in ingest.Convert.
type Converter func(ctx context.Context, name string, data []byte, meta policies.Meta) (Converted, error)

// Converted is an upload in the corpus format. (Its fields are
// ingest.Result's, so that the one converts to the other.)
type Converted struct {
	Markdown []byte
	// Type is the kind of file it was ("docx", "pdf", "markdown" …).
	Type string
	// OwnFrontMatter reports that the file had its own front matter, kept
	// as it is: the form's metadata was not used.
	OwnFrontMatter bool
	// Warnings are what the official should check.
	Warnings []lang.Text
}

// TypeCorpusFormat is the Source.Type of a file in the corpus format
// (Markdown with front matter), such as a seeded one.
const TypeCorpusFormat = "markdown"

// corpusFormatOnly is the Converter of a Service given none: it takes
// files in the corpus format and refuses others.
func corpusFormatOnly(_ context.Context, _ string, data []byte, _ policies.Meta) (Converted, error) {
	if !policies.HasFrontMatter(data) {
		return Converted{}, refuse(fault.Unsupported, "", "only files in the corpus format (Markdown with front matter) can be uploaded here",
			"此处只能上传带前置元数据的 Markdown 格式文件")
	}
	return Converted{Markdown: data, Type: TypeCorpusFormat, OwnFrontMatter: true}, nil
}
