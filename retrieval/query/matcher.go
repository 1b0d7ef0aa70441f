package query

import (
	"policybot/policies/norm"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// matcher finds table phrases in folded text, leftmost-longest, without overlaps.
type matcher struct {
	terms   []string        // canonical terms as the tables write them; a term id indexes this
	folded  []string        // Fold of each term, for checking whether the text already has it
	termID  map[string]int  // folded term → id
	keys    map[string]*key // match form of a phrase → key
	byFirst map[rune][]*key // keys by their first rune, longest first
}

// key is one phrase to look for and the terms it stands for. A key with no targets is a
// blocker: it matches and yields nothing.
type key struct {
	text     string
	targets  []int
	lastWord int // length of the trailing run of ASCII letters
}

func newMatcher() *matcher {
	return &matcher{termID: make(map[string]int, 512), keys: make(map[string]*key, 4096)}
}

func (m *matcher) term(t string) int {
	f := matchForm(norm.Fold(t))
	if id, ok := m.termID[f]; ok {
		return id
	}
	id := len(m.terms)
	m.terms = append(m.terms, t)
	m.folded = append(m.folded, f)
	m.termID[f] = id
	return id
}

// add registers phrase as standing for targets (none: a blocker).
func (m *matcher) add(phrase string, targets ...int) {
	f := matchForm(norm.Fold(phrase))
	if f == "" {
		return
	}
	k := m.keys[f]
	if k == nil {
		k = &key{text: f, lastWord: trailingLetters(f)}
		m.keys[f] = k
	}
	for _, t := range targets {
		if !slices.Contains(k.targets, t) {
			k.targets = append(k.targets, t)
		}
	}
}

// targetsOf returns what phrase already stands for: its own term id if it is a canonical term,
// plus the terms of any line that lists it as a variant.
func (m *matcher) targetsOf(phrase string) []int {
	if k := m.keys[matchForm(norm.Fold(phrase))]; k != nil {
		return k.targets
	}
	return nil
}

func (m *matcher) index() {
	m.byFirst = make(map[rune][]*key, len(m.keys))
	for _, k := range m.keys {
		r, _ := utf8.DecodeRuneInString(k.text)
		m.byFirst[r] = append(m.byFirst[r], k)
	}
	for _, ks := range m.byFirst {
		sortLongestFirst(ks, func(k *key) string { return k.text })
	}
}

// scan calls fn for every key found in s (a match form), left to right. At each position the
// longest key wins and the scan resumes after it. A key that starts (ends) with an ASCII letter
// or digit only matches where the text has no letter or digit just before (after) it, except
// that an English plural "s"/"es" may follow: "hotels" matches "hotel", "art" does not match
// inside "start".
func (m *matcher) scan(s string, fn func(k *key, start, end int)) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		end := -1
		for _, k := range m.byFirst[r] {
			if !strings.HasPrefix(s[i:], k.text) {
				continue
			}
			if isAlnum(k.text[0]) && i > 0 && isAlnum(s[i-1]) {
				continue
			}
			if e, ok := wordEnd(s, i+len(k.text), k.text[len(k.text)-1], k.lastWord); ok {
				fn(k, i, i+len(k.text))
				end = e
				break
			}
		}
		if end > i {
			i = end
		} else {
			i += n
		}
	}
}

// wordEnd reports where a match that ends at j (its last byte being last) really ends, and
// whether it is allowed to end there. After a letter, an English inflection may follow: -s and
// -es always, -d, -ed and -ing when the key's last word has at least four letters (award →
// awarded, host → hosting; but "art" does not match "arts" inside "starts", whose start fails).
func wordEnd(s string, j int, last byte, lastWord int) (int, bool) {
	if !isAlnum(last) || j == len(s) || !isAlnum(s[j]) {
		return j, true
	}
	if !isLetter(last) {
		return j, false
	}
	suffixes := shortSuffixes
	if lastWord >= 4 {
		suffixes = longSuffixes
	}
	for _, suffix := range suffixes {
		if e := j + len(suffix); strings.HasPrefix(s[j:], suffix) && (e == len(s) || !isAlnum(s[e])) {
			return e, true
		}
	}
	return j, false
}

var (
	shortSuffixes = []string{"s", "es"}
	longSuffixes  = []string{"s", "es", "d", "ed", "ing"}
)

func trailingLetters(s string) int {
	n := 0
	for n < len(s) && isLetter(s[len(s)-1-n]) {
		n++
	}
	return n
}

func isAlnum(c byte) bool  { return isLetter(c) || '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// matchForm is the form phrases and text are compared in: folded, hyphens and dashes read as
// spaces (e-commerce, e commerce), runs of white space collapsed to one space.
func matchForm(folded string) string {
	if isMatchForm(folded) {
		return folded
	}
	if strings.ContainsAny(folded, "-‐‑–—") {
		folded = strings.Map(func(r rune) rune {
			switch r {
			case '-', '‐', '‑', '–', '—':
				return ' '
			}
			return r
		}, folded)
	}
	return strings.Join(strings.Fields(folded), " ")
}

// isMatchForm reports whether matchForm would return s unchanged; most phrases need no copy.
func isMatchForm(s string) bool {
	prevSpace := true // no leading space
	for _, r := range s {
		switch {
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case r == '-' || r == '‐' || r == '‑' || r == '–' || r == '—' || unicode.IsSpace(r):
			return false
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}
