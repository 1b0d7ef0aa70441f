package policies

import (
	"fmt"
	"policybot/policies/lang"
	"strings"
)

// Severity says whether a finding blocks a document.
type Severity int

const (
	// Warning is reported but does not block the document (e.g. a GB18030
	// file that was converted).
	Warning Severity = iota
	// Error blocks the document: it is not indexed or published.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Finding codes, stable for tools and tests.
const (
	CodeEncoding    = "encoding"     // not UTF-8, converted or unreadable
	CodeBOM         = "bom"          // byte-order mark at the start
	CodeFrontMatter = "front-matter" // missing or malformed front matter
	CodeField       = "field"        // a missing, unknown or invalid field
	CodeDuplicateID = "duplicate-id" // two documents share an id
	CodeArticle     = "article"      // duplicate, skipped or empty article
	CodeSpam        = "spam"         // injected gambling or lottery text
	CodeFooter      = "footer"       // website footer residue
	CodeLink        = "link"         // link to a non-government domain
	CodeInvisible   = "invisible"    // zero-width or direction-control character
	CodeInjection   = "injection"    // an instruction addressed to a language model (a warning)
	CodeSize        = "size"         // empty or too large
)

// Finding is one problem found in a source file. Line and Col are 1-based
// (Col counts characters, not bytes); 0 means the whole file or line.
type Finding struct {
	Path     string
	Line     int
	Col      int
	Severity Severity
	Code     string
	// Msg says what is wrong and what to fix; Code is what a program acts
	// on.
	Msg lang.Text
	// Match is the offending text, for spam and hygiene findings.
	Match string
	// Missing is the required front matter field a finding says is
	// missing (id, title, category), for a program that asks for it.
	Missing string
}

// String formats f as "path:line:col: severity: message".
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Path)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Line)
		if f.Col > 0 {
			fmt.Fprintf(&b, ":%d", f.Col)
		}
	}
	fmt.Fprintf(&b, ": %s: %s", f.Severity, f.Msg)
	if f.Match != "" {
		fmt.Fprintf(&b, ": %q", f.Match)
	}
	return b.String()
}

// HasErrors reports whether any finding is an Error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}
