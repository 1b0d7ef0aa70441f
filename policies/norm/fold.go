// Package norm is the project's one text folding: the form in which
// questions, documents, the index and the hygiene scanner compare text.
package norm

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

//go:generate go run ./internal/t2sgen -o t2s.txt

// t2sData is the generated traditional-to-simplified table; see internal/t2sgen and README.md.
//
//go:embed t2s.txt
var t2sData string

// Fold maps s rune by rune to the form questions and documents are compared in: full-width
// forms folded to their ASCII counterparts (５０％ → 50%, （ → (, ideographic space → space,
// half-width katakana to full-width), traditional Chinese folded to simplified, letters
// lower-cased, and other digit forms (circled ⑤, mathematical 𝟓, Arabic-Indic ٥) to ASCII
// digits. It never adds or removes a rune, so rune offsets in Fold(s) are rune offsets in s: an
// index can fold a document and still quote the original text.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	// b stays empty until the first rune that changes, so text that is already folded (most
	// simplified Chinese) is returned without a copy.
	var b strings.Builder
	var t *t2sTable
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		f := r
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				f = r + 'a' - 'A'
			}
		case IsHan(r):
			if t == nil {
				t = t2s()
			}
			if ps := t.phrases[r]; ps != nil {
				if p, ok := matchPhrase(ps, s[i:]); ok {
					startCopy(&b, s, i)
					b.WriteString(p.simp)
					i += len(p.trad)
					continue
				}
			}
			if m, ok := t.chars[r]; ok {
				f = m
			}
		default:
			if d, ok := digitForm(r); ok {
				f = d
				break
			}
			if w := width.LookupRune(r).Folded(); w != 0 {
				f = w
			}
			f = unicode.ToLower(f)
		}
		if f != r {
			startCopy(&b, s, i)
		}
		if b.Cap() > 0 {
			b.WriteRune(f)
		}
		i += n
	}
	if b.Cap() == 0 {
		return s
	}
	return b.String()
}

// startCopy starts the output of Fold at the first rune that changes, at byte i of s.
func startCopy(b *strings.Builder, s string, i int) {
	if b.Cap() == 0 {
		b.Grow(len(s))
		b.WriteString(s[:i])
	}
}

// isFolded reports whether s is ASCII without capital letters, which Fold returns unchanged.
func isFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// digitForm maps the one-digit forms of other scripts and styles to the
// ASCII digit: circled and parenthesised-free enclosed digits (①…⑨, ⓪, ➀,
// ❶, ⓵), mathematical digits (𝟎…𝟿 in every style), Arabic-Indic and
// extended Arabic-Indic digits, Devanagari digits. Two-digit forms (⑩)
// cannot be folded without changing the rune count; package amount reads
// them.
func digitForm(r rune) (rune, bool) {
	switch {
	case r >= 0x2460 && r <= 0x2468: // ①…⑨
		return '1' + r - 0x2460, true
	case r == 0x24EA, r == 0x24FF, r == 0x1F10B, r == 0x1F10C: // ⓪ ⓿ 🄋 🄌
		return '0', true
	case r >= 0x24F5 && r <= 0x24FD: // ⓵…⓽
		return '1' + r - 0x24F5, true
	case r >= 0x2776 && r <= 0x277E: // ❶…❾
		return '1' + r - 0x2776, true
	case r >= 0x2780 && r <= 0x2788: // ➀…➈
		return '1' + r - 0x2780, true
	case r >= 0x278A && r <= 0x2792: // ➊…➒
		return '1' + r - 0x278A, true
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits, five styles of ten
		return '0' + (r-0x1D7CE)%10, true
	case r >= 0x0660 && r <= 0x0669: // Arabic-Indic
		return '0' + r - 0x0660, true
	case r >= 0x06F0 && r <= 0x06F9: // extended Arabic-Indic
		return '0' + r - 0x06F0, true
	case r >= 0x0966 && r <= 0x096F: // Devanagari
		return '0' + r - 0x0966, true
	case r >= 0x1FBF0 && r <= 0x1FBF9: // segmented digits
		return '0' + r - 0x1FBF0, true
	}
	return 0, false
}

// IsHan reports whether r is a CJK ideograph (the only runes t2s maps). CJK punctuation such as
// the ideographic space is not: it goes through width folding.
func IsHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF ||
		r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x3FFFF
}

type t2sPhrase struct{ trad, simp string }

type t2sTable struct {
	chars   map[rune]rune
	phrases map[rune][]t2sPhrase // by first rune, longest first
}

func matchPhrase(ps []t2sPhrase, s string) (t2sPhrase, bool) {
	for _, p := range ps {
		if strings.HasPrefix(s, p.trad) {
			return p, true
		}
	}
	return t2sPhrase{}, false
}

// t2s parses the embedded table the first time a Han character is folded. Parsing is about
// 0.2 ms and 0.3 MB (see README.md); ASCII-only input never pays it.
var t2s = sync.OnceValue(func() *t2sTable {
	t, err := parseT2S(t2sData)
	if err != nil {
		// t2s.txt is generated and covered by TestT2STable; an empty table degrades to no folding.
		return &t2sTable{chars: map[rune]rune{}, phrases: map[rune][]t2sPhrase{}}
	}
	return t
})

func parseT2S(data string) (*t2sTable, error) {
	t := &t2sTable{chars: make(map[rune]rune, 4200), phrases: make(map[rune][]t2sPhrase)}
	for n, line := range strings.Split(data, "\n") {
		switch {
		case line == "" || line[0] == '#':
		case strings.HasPrefix(line, "c "):
			rs := []rune(line[2:])
			if len(rs)%2 != 0 {
				return nil, lineError{"t2s.txt", n + 1, "odd number of characters in a c line"}
			}
			for i := 0; i < len(rs); i += 2 {
				t.chars[rs[i]] = rs[i+1]
			}
		case strings.HasPrefix(line, "p "):
			trad, simp, ok := strings.Cut(line[2:], " ")
			if !ok || trad == "" || utf8.RuneCountInString(trad) != utf8.RuneCountInString(simp) {
				return nil, lineError{"t2s.txt", n + 1, "want a traditional phrase and a simplified phrase of the same length"}
			}
			first, _ := utf8.DecodeRuneInString(trad)
			t.phrases[first] = append(t.phrases[first], t2sPhrase{trad, simp})
		default:
			return nil, lineError{"t2s.txt", n + 1, "unknown line kind"}
		}
	}
	for _, ps := range t.phrases {
		slices.SortStableFunc(ps, func(a, b t2sPhrase) int {
			if len(a.trad) != len(b.trad) {
				return len(b.trad) - len(a.trad)
			}
			return strings.Compare(a.trad, b.trad)
		})
	}
	return t, nil
}

type lineError struct {
	src  string
	line int
	msg  string
}

func (e lineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.src, e.line, e.msg) }
