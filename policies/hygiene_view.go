package policies

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"policybot/policies/norm"
)

// view is which form of a line a hygiene rule matches (see Hygiene).
type view int

const (
	viewRaw      view = iota // as written
	viewFolded               // norm.Fold
	viewSqueezed             // folded, look-alikes read, no spaces, invisible characters or separators
	viewLink                 // folded, look-alikes read, no invisible characters, domain dots joined
	viewCount
)

// lineView is a view of a line and, for each of its runes, where it comes
// from in the line as written (nil for the raw view).
type lineView struct {
	text  string
	runes []vrune
}

// orig maps the bytes [i, j) of the view to the bytes of the line.
func (v *lineView) orig(i, j int) (int, int) {
	if v.runes == nil {
		return i, j
	}
	first := utf8.RuneCountInString(v.text[:i])
	last := first + utf8.RuneCountInString(v.text[i:j]) - 1
	return v.runes[first].start, v.runes[last].end
}

// vrune is one rune of a view and the bytes of the line it comes from.
type vrune struct {
	r          rune
	start, end int
	drop       bool
}

func newLineView(line string, v view) *lineView {
	if v == viewRaw {
		return &lineView{text: line}
	}
	folded := norm.Fold(line) // rune for rune
	rs := make([]vrune, 0, utf8.RuneCountInString(line))
	i := 0
	for _, f := range folded {
		o, n := utf8.DecodeRuneInString(line[i:])
		rs = append(rs, vrune{r: f, start: i, end: i + n})
		i += n
		if v == viewFolded || norm.IsHan(f) || 'a' <= f && f <= 'z' || '0' <= f && f <= '9' {
			continue // nothing to read differently
		}
		vr := &rs[len(rs)-1]
		switch {
		case invisibleRune(o) || unicode.In(o, unicode.Mn, unicode.Me):
			vr.drop = true
		case lookalike(f) != f:
			vr.r = lookalike(f)
		case v == viewSqueezed && (unicode.IsSpace(f) || separatorRune(f)):
			vr.drop = true
		}
	}
	switch v {
	case viewSqueezed:
		readLeet(rs)
	case viewLink:
		joinDots(rs)
	}
	var b strings.Builder
	b.Grow(len(line))
	kept := rs[:0]
	for _, r := range rs {
		if !r.drop {
			b.WriteRune(r.r)
			kept = append(kept, r)
		}
	}
	return &lineView{text: b.String(), runes: kept}
}

// invisibleRune reports the characters used to hide text or split a word
// without showing: zero-width and format characters, the soft hyphen.
func invisibleRune(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0 // Hangul fillers
}

// separatorRune reports the symbols spam puts between the characters of a
// name (新·万·博, x-i-n, 新★万★博). Chinese sentence punctuation is kept: it
// ends a phrase, so a name across it is two words.
func separatorRune(r rune) bool {
	if r == '%' {
		return false
	}
	if strings.ContainsRune(".-_*|/\\~^+=`'\"·•‧・･∙⋅︲", r) {
		return true
	}
	return unicode.In(r, unicode.So, unicode.Sk, unicode.Sm)
}

// lookalikes are letters of other scripts that are written like Latin ones.
var lookalikes = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ԁ': 'd', 'һ': 'h', 'ԛ': 'q',
	'ԝ': 'w', 'ь': 'b', 'п': 'n', 'г': 'r', 'ӏ': 'l',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'μ': 'u',
	// Latin variants
	'ı': 'i', 'ɡ': 'g', 'ℓ': 'l', 'ꞵ': 'b',
}

// lookalike reads a look-alike letter as the lower-case Latin letter it
// imitates: Cyrillic and Greek homoglyphs, the mathematical alphabets (𝐱, 𝓍,
// 𝕩), enclosed letters (ⓧ, 🅧).
func lookalike(r rune) rune {
	if r < 0x80 || r >= 0x3000 && r < 0x1D400 && r != 0xFFA0 {
		return r // ASCII, CJK, Hangul …
	}
	if l, ok := lookalikes[r]; ok {
		return l
	}
	switch {
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical alphanumeric letters, 13 alphabets of 52
		i := (r - 0x1D400) % 52
		if i >= 26 {
			i -= 26
		}
		return 'a' + i
	case r >= 0x24B6 && r <= 0x24CF: // Ⓐ…Ⓩ
		return 'a' + r - 0x24B6
	case r >= 0x24D0 && r <= 0x24E9: // ⓐ…ⓩ
		return 'a' + r - 0x24D0
	case r >= 0x1F130 && r <= 0x1F149, r >= 0x1F150 && r <= 0x1F169, r >= 0x1F170 && r <= 0x1F189: // 🄰 🅐 🅰
		return 'a' + (r-0x1F130)%0x20
	case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators
		return 'a' + r - 0x1F1E6
	}
	return r
}

// leet are the digits that stand for letters in a disguised Latin word.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b'}

// readLeet reads a lone digit right after a Latin letter as the letter it
// stands for (xinwanb0, b3t): a digit in a run of digits (bet365, pk10,
// m88) or before any letter (5a) is a number.
func readLeet(rs []vrune) {
	prev := func(i int) rune {
		for i--; i >= 0; i-- {
			if !rs[i].drop {
				return rs[i].r
			}
		}
		return 0
	}
	next := func(i int) rune {
		for i++; i < len(rs); i++ {
			if !rs[i].drop {
				return rs[i].r
			}
		}
		return 0
	}
	for i := range rs {
		l, ok := leet[rs[i].r]
		if !ok || rs[i].drop {
			continue
		}
		if p, n := prev(i), next(i); isLatin(p) && !isDigit(n) {
			rs[i].r = l
		}
	}
}

// joinDots reads a dot written another way between two parts of a domain as
// a dot, without the spaces around it (xinwanbo 。vip, xinwanbo点vip →
// xinwanbo.vip). An ASCII full stop with spaces is left alone: in English
// it ends a sentence ("the platform. Info…").
func joinDots(rs []vrune) {
	for i := range rs {
		if rs[i].drop || !strings.ContainsRune("。｡点", rs[i].r) {
			continue
		}
		j, k := i-1, i+1
		for j >= 0 && (rs[j].drop || rs[j].r == ' ') {
			j--
		}
		for k < len(rs) && (rs[k].drop || rs[k].r == ' ') {
			k++
		}
		if j < 0 || k >= len(rs) || !isASCIIAlnum(rs[j].r) || !isASCIIAlnum(rs[k].r) {
			continue
		}
		rs[i].r = '.'
		for x := j + 1; x < k; x++ {
			if x != i {
				rs[x].drop = true
			}
		}
	}
}

func isLatin(r rune) bool      { return 'a' <= r && r <= 'z' }
func isDigit(r rune) bool      { return '0' <= r && r <= '9' }
func isASCIIAlnum(r rune) bool { return isLatin(r) || isDigit(r) }
