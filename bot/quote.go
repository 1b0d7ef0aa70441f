package bot

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxSentenceRunes is the length above which a sentence is quoted by its
// relevant clauses (split at ；) instead of whole.
const maxSentenceRunes = 90

var (
	sentenceFigureRE = regexp.MustCompile(`[0-9０-９]+(\.[0-9]+)?\s*(%|％|万元|亿元|元|万美元|亿美元|美元|平方米|人次|张|项|个|年|月|日)`)
	capRE            = regexp.MustCompile(`最高|上限|不超过|封顶`)
	askFigure        = regexp.MustCompile(`多少|几|比例|标准|金额|额度|上限|最高|怎么奖|如何奖|怎么补|怎么给|奖励|补助|补贴|资助|门槛|要求|条件|面积|期限|有效期|什么时候|何时|哪天`)
)

// selectQuote returns the sentence(s) of an article that answer the
// question, verbatim. focus is the question as asked; context adds the
// previous turn for a follow-up. A long sentence is cut to its relevant
// clauses, keeping the clauses that state a cap.
func selectQuote(article, focus, context string) string {
	sents := splitKeep(article, "。！？!?")
	if len(sents) == 0 {
		return strings.TrimSpace(article)
	}
	wantFigure := askFigure.MatchString(focus)
	tokens := tokenRE.FindAllString(strings.ToLower(focus), -1)
	score := func(s string) float64 {
		sc := overlap(focus, s)*2 + overlap(context, s)
		if wantFigure && sentenceFigureRE.MatchString(s) {
			sc += 0.5
		}
		// A figure or code the question names ("4A", "50亿") points to the
		// clause that names it.
		ls := strings.ToLower(s)
		for _, t := range tokens {
			if hasToken(ls, t) {
				sc++
			}
		}
		return sc
	}
	best, bestScore := 0, -1.0
	for i, s := range sents {
		if sc := score(s); sc > bestScore {
			best, bestScore = i, sc
		}
	}
	sent := sents[best]
	clauses := splitKeep(sent, "；;：")
	if len(clauses) < 2 {
		return strings.TrimSpace(sent)
	}
	bc, bcScore, second := 0, -1.0, -1.0
	for i, c := range clauses {
		if strings.HasSuffix(c, "：") {
			continue // a lead-in ("对A级旅游景区给予奖励：") is not an answer
		}
		sc := score(c)
		if sc > bcScore {
			bc, bcScore, second = i, sc, bcScore
		} else if sc > second {
			second = sc
		}
	}
	// A short sentence is quoted whole unless one clause answers the
	// question better than the others ("那省级的呢？" → the 省级 clause).
	if utf8.RuneCountInString(sent) <= maxSentenceRunes && bcScore-second < 0.2 {
		return strings.TrimSpace(sent)
	}
	var b strings.Builder
	last := bc
	for i := bc; i < len(clauses); i++ {
		if i == bc || capRE.MatchString(clauses[i]) {
			if i > last+1 {
				b.WriteString("……") // clauses in between are left out
			}
			b.WriteString(clauses[i])
			last = i
		}
	}
	out := strings.TrimSpace(b.String())
	out = strings.TrimRight(out, "；;")
	if !strings.HasSuffix(out, "。") {
		out += "……"
	}
	return out
}

var tokenRE = regexp.MustCompile(`[0-9a-z][0-9a-z.]*`)

// hasToken reports whether s contains t not as part of a longer number or
// word ("4a" is in "4a级", not in "14a").
func hasToken(s, t string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], t)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(t)
		before := start == 0 || !isAlnumByte(s[start-1])
		after := end == len(s) || !isAlnumByte(s[end])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isAlnumByte(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '.' }

// splitKeep splits s after each of the separator runes, keeping them.
func splitKeep(s, seps string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if strings.ContainsRune(seps, r) {
			end := i + utf8.RuneLen(r)
			// Keep a closing quote or bracket with its sentence.
			for end < len(s) {
				n, size := utf8.DecodeRuneInString(s[end:])
				if !strings.ContainsRune("”’」）)", n) {
					break
				}
				end += size
			}
			if end > start {
				if t := strings.TrimSpace(s[start:end]); t != "" {
					out = append(out, t)
				}
				start = end
			}
		}
	}
	if t := strings.TrimSpace(s[min(start, len(s)):]); t != "" {
		out = append(out, t)
	}
	return out
}

// overlap is the share of the question's content bigrams found in s.
func overlap(question, s string) float64 {
	var n, hit int
	for _, run := range contentRuns(question) {
		if len(run) == 1 {
			n++
			if strings.ContainsRune(s, run[0]) {
				hit++
			}
			continue
		}
		for i := 0; i+1 < len(run); i++ {
			n++
			if strings.Contains(s, string(run[i:i+2])) {
				hit++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(hit) / float64(n)
}
