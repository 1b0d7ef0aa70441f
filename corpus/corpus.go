// Package corpus is the managed policy corpus: documents uploaded by
// officials as numbered versions that are drafted, published, retired and
// rolled back, with an audit log of every change, and the live retrieval
// index rebuilt from the published versions.
//
// The Service is the one path every face (the admin page, its JSON API, the
// CLI) goes through. It keeps its state in a Store (SQLite today, in package
// store, or PostgreSQL) and never imports a database or HTTP package.
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

// Status is where a version stands.
type Status string

// The statuses of a version. A document has at most one current version,
// published or retired; the versions it replaced are superseded, and
// uploads not (yet) published are drafts.
const (
	Draft      Status = "draft"
	Published  Status = "published"
	Retired    Status = "retired"
	Superseded Status = "superseded"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case Draft, Published, Retired, Superseded:
		return true
	}
	return false
}

// Source describes the file a version was converted from. The file itself
// is not kept: the Markdown is what the bot uses.
type Source struct {
	Name   string // the uploaded file name
	Type   string // Converted.Type: "docx", "pdf", "markdown" …
	SHA256 string // of the uploaded bytes, hex
	Size   int64
}

// Version is one numbered upload of a document. Its content never changes
// once stored; only Status, PublishedAt and RetiredFrom do.
type Version struct {
	DocID string
	// N is the version number, 1, 2, 3 … per document; 0 for an upload
	// that could not be stored (no readable id).
	N      int
	Status Status
	Title  string
	// Markdown is the document in the corpus format (FORMAT.md), as the
	// bot reads it.
	Markdown []byte
	Source   Source
	// Warnings are the conversion's notes for the uploader (the
	// converter's and the service's own).
	Warnings []lang.Text
	// BasedOn is the version a rollback copied; 0 otherwise.
	BasedOn   int
	CreatedBy string
	CreatedAt time.Time
	// PublishedAt is when the version went live; zero until then.
	PublishedAt time.Time
	// RetiredFrom is when a retired version stops being used; zero unless
	// retired. A retired version with a future RetiredFrom is still live.
	RetiredFrom time.Time

	// Doc and Findings are what the parser reads from Markdown with the
	// current hygiene rules. The Service fills them; a Store does not keep
	// them.
	Doc      *policies.Document
	Findings []policies.Finding
}

// LiveAt reports whether the version is in the index at time t: published,
// or retired from a time after t.
func (v *Version) LiveAt(t time.Time) bool {
	return v.Status == Published || (v.Status == Retired && t.Before(v.RetiredFrom))
}

// Current reports whether v is its document's current version (published
// or retired).
func (v *Version) Current() bool { return v.Status == Published || v.Status == Retired }

// Publishable reports whether the version parsed and has no Error finding.
func (v *Version) Publishable() bool {
	return v.Doc != nil && !policies.HasErrors(v.Findings)
}

// Errors are the findings that block publishing, other than hygiene ones.
func (v *Version) Errors() []policies.Finding {
	var out []policies.Finding
	for _, f := range v.Findings {
		if f.Severity == policies.Error && !IsHygiene(f) {
			out = append(out, f)
		}
	}
	return out
}

// Hygiene are the findings of the spam check: injected gambling or lottery
// text, website footer residue, foreign links and invisible characters.
// Each of them blocks publishing too.
func (v *Version) Hygiene() []policies.Finding {
	var out []policies.Finding
	for _, f := range v.Findings {
		if IsHygiene(f) {
			out = append(out, f)
		}
	}
	return out
}

// Notes are the warnings of the version: the conversion's and the parser's
// non-blocking findings.
func (v *Version) Notes() []lang.Text {
	out := append([]lang.Text(nil), v.Warnings...)
	for _, f := range v.Findings {
		if f.Severity == policies.Warning && !IsHygiene(f) {
			out = append(out, f.Msg)
		}
	}
	return out
}

// IsHygiene reports whether f comes from the spam check.
func IsHygiene(f policies.Finding) bool {
	switch f.Code {
	case policies.CodeSpam, policies.CodeFooter, policies.CodeLink, policies.CodeInvisible:
		return true
	}
	return false
}

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

// Action is what an audit entry records.
type Action string

// The actions of the audit log.
const (
	ActionSeed     Action = "seed"     // the bundled corpus filled an empty store
	ActionUpload   Action = "upload"   // a new version was stored
	ActionPublish  Action = "publish"  // a version went live
	ActionRetire   Action = "retire"   // a document was taken out of answers
	ActionRollback Action = "rollback" // an earlier version was published again
)

// AuditEntry is one change to the corpus: who did what, when, to which
// document, from which version to which.
type AuditEntry struct {
	// ID orders the entries; the Store assigns it.
	ID     int64
	At     time.Time
	Who    string
	Action Action
	DocID  string
	// FromVersion is the version before the change (the live one, for a
	// publish), ToVersion the one after; 0 means none.
	FromVersion int
	ToVersion   int
	// Detail says more (the file uploaded, the version a rollback
	// copied, the date of a retirement).
	Detail lang.Text
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	// DocID keeps the entries of one document; "" keeps all.
	DocID string
	// Limit is the most entries returned, newest first; 0 means 1000.
	Limit int
}

// Change is one atomic write to a Store.
type Change struct {
	// Base is the generation the change was planned on: Commit refuses it
	// (fault.Conflict) when another writer committed meanwhile.
	Base int64
	// Add are new versions.
	Add []Version
	// Update sets Status, PublishedAt and RetiredFrom of stored versions.
	Update []Version
	// Audit are appended to the audit log.
	Audit []AuditEntry
}

// Store keeps the documents' versions and the audit log. Implementations
// are safe for concurrent use and pass store/storetest.RunCorpus.
type Store interface {
	// Load returns every version of every document, ordered by document id
	// and version number, and the generation they are at, read together
	// (one transaction).
	Load(ctx context.Context) (generation int64, versions []Version, err error)
	// Generation returns the number of changes committed so far: a replica
	// that sees it move reloads.
	Generation(ctx context.Context) (int64, error)
	// Commit applies c at once and returns the new generation. It returns
	// an error wrapping fault.Conflict when c.Base is not the current
	// generation or a version in c.Add exists already, and one wrapping
	// fault.NotFound when a version in c.Update does not exist; either way
	// nothing is written.
	Commit(ctx context.Context, c Change) (generation int64, err error)
	// Audit returns the entries q selects, newest first.
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
}
