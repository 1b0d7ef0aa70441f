package query

import (
	"strings"

	pinyin "github.com/mozillazg/go-pinyin"

	"policybot/policies/norm"
)

// minPinyinLetters is the shortest pinyin spelling that is matched: shorter
// ones (fan, men, dian) are English words or too ambiguous.
const minPinyinLetters = 5

// addPinyin registers the toneless pinyin of every Chinese phrase of the
// tables as another way to write it: companies type zhibo基地 or 有jiangli吗
// when the input method is not switched. A spelling that another phrase
// (an English glossary phrase, another Chinese phrase's pinyin with other
// terms) already claims is left out rather than guessed.
func addPinyin(m *matcher) {
	args := pinyin.NewArgs() // toneless, lower case
	// One lookup a character: the tables have a few thousand phrases but
	// far fewer distinct characters.
	syllable := map[rune]string{}
	spell := func(text string) (string, bool) {
		var b strings.Builder
		for _, r := range text {
			s, ok := syllable[r]
			if !ok {
				if ps := pinyin.SinglePinyin(r, args); len(ps) > 0 {
					s = ps[0]
				}
				syllable[r] = s
			}
			if s == "" {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	}
	type cand struct{ targets []int }
	found := map[string]*cand{}
	clash := map[string]bool{}
	for text, k := range m.keys {
		if len(k.targets) == 0 || !allHan(text) || len([]rune(text)) < 2 {
			continue
		}
		py, ok := spell(text)
		if !ok || len(py) < minPinyinLetters {
			continue
		}
		if _, taken := m.keys[py]; taken {
			clash[py] = true
			continue
		}
		if c, ok := found[py]; ok {
			if !sameTargets(c.targets, k.targets) {
				clash[py] = true
			}
			continue
		}
		found[py] = &cand{targets: k.targets}
	}
	for py, c := range found {
		if !clash[py] {
			m.add(py, c.targets...)
		}
	}
}

func allHan(s string) bool {
	for _, r := range s {
		if !norm.IsHan(r) {
			return false
		}
	}
	return s != ""
}

func sameTargets(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
