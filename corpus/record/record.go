// Package record is what the managed corpus keeps: the numbered versions
// of each document with their status (draft, published, retired,
// superseded), the audit log of every change, and the Store interface the
// databases implement (package store: SQLite, PostgreSQL).
//
// It is apart from package corpus, whose Service builds and swaps the
// retrieval index (bleve, the vectors) and converts uploads, so that the
// stores implement the corpus's records without importing any of that:
// store imports record, corpus imports record, and record imports only the
// document model (policies) and the error vocabulary.
package record

import (
	"context"
	"time"

	"policybot/policies"
	"policybot/policies/lang"
)

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
