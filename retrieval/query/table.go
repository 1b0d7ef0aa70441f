package query

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"policybot/policies/norm"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrMalformed is wrapped by the errors Load returns for a table line it cannot read.
var ErrMalformed = errors.New("malformed table line")

// lineError names the table and the line that is wrong, as "source:line: message".
type lineError struct {
	src  string
	line int
	msg  string
}

func (e lineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.src, e.line, e.msg) }
func (e lineError) Unwrap() error { return ErrMalformed }

// tableKind says which rules a table's lines follow.
type tableKind int

const (
	synonymTable  tableKind = iota // variants are any wording
	glossaryTable                  // variants are English phrases, at least one a line
)

// entry is one line of a table: the canonical terms, then the variants that stand for them.
// A blocker line (canonical field "-") has no canonical terms: its variants match and yield
// nothing, which keeps shorter variants from matching inside them (提高企业 hides 高企).
type entry struct {
	canonical []string
	variants  []string
	blocker   bool
}

// parseTable reads a table in the format README.md describes:
//
//	# comment
//	canonical term [canonical term…] | variant | variant …
//	- | phrase that means nothing | …
//
// Fields are separated by '|' (or full-width '｜', or a tab, so a spreadsheet saved as
// tab-separated text loads as is). src names the table in errors.
func parseTable(src string, r io.Reader, kind tableKind) ([]entry, error) {
	var entries []entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if i := strings.IndexAny(text, "#＃"); i >= 0 {
			text = text[:i]
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		e, msg := parseLine(text, kind)
		if msg != "" {
			return nil, lineError{src, n, msg}
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	return entries, nil
}

// parseLine returns the entry on one line, or a message saying what is wrong with it.
func parseLine(text string, kind tableKind) (entry, string) {
	fields := splitFields(text)
	var e entry
	head := strings.Fields(fields[0])
	switch {
	case len(head) == 0:
		return e, "the first field (the canonical term) is empty"
	case len(head) == 1 && head[0] == "-":
		e.blocker = true
	default:
		for _, t := range head {
			if t == "-" {
				return e, `"-" must be the whole first field`
			}
		}
		e.canonical = head
	}
	for _, f := range fields[1:] {
		v := strings.Join(strings.Fields(f), " ")
		if v == "" {
			continue // trailing separators, empty spreadsheet cells
		}
		if kind == glossaryTable && strings.IndexFunc(v, norm.IsHan) >= 0 {
			return e, fmt.Sprintf("glossary phrase %q contains Chinese: the English goes after '|', Chinese wording belongs in the synonym table", v)
		}
		if kind == glossaryTable && strings.IndexFunc(v, isLatinOrDigit) < 0 {
			return e, fmt.Sprintf("glossary phrase %q has no letters or digits", v)
		}
		e.variants = append(e.variants, v)
	}
	switch {
	case e.blocker && len(e.variants) == 0:
		return e, `a "-" line needs the phrases it blocks after '|'`
	case kind == glossaryTable && len(e.variants) == 0:
		return e, "no English phrase after the Chinese terms (separate fields with '|')"
	}
	return e, ""
}

// splitFields splits a line at '|', '｜' and tabs, keeping empty fields so that an empty first
// field is seen.
func splitFields(text string) []string {
	var fields []string
	start := 0
	for i, r := range text {
		if r == '|' || r == '｜' || r == '\t' {
			fields = append(fields, text[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	return append(fields, text[start:])
}

func isLatinOrDigit(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '$'
}

// sortLongestFirst orders items by the byte length of key(item), longest first, then by key,
// so that matching is leftmost-longest and deterministic.
func sortLongestFirst[T any](items []T, key func(T) string) {
	slices.SortStableFunc(items, func(a, b T) int {
		ka, kb := key(a), key(b)
		if len(ka) != len(kb) {
			return len(kb) - len(ka)
		}
		return strings.Compare(ka, kb)
	})
}
