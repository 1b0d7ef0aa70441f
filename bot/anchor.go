package bot

import (
	"context"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"policybot/policies"
	"policybot/policies/norm"
	"policybot/retrieval"
)

// DocFreqer reports how many chunks of the documents a query's filters
// allow (its region, year, day) contain each term (a folded bigram or Latin
// word); *retrieval.Index and *retrieval.Live implement it. Without it every
// word of a question weighs the same.
type DocFreqer interface {
	DocFreq(ctx context.Context, terms []string, in retrieval.Query) (n int, df []int, err error)
}

// anchor is a piece of a question that can tie it to an article: a
// recognised domain term (found through any of its corpus wordings) or a
// bigram of its own words. Its weight is its inverse document frequency:
// 专精特新 singles out one article, 奖励 is in most.
type anchor struct {
	alts []string // folded forms to look for in a passage
	// texts are the question's own wordings of a term (第一家门店 for 首店):
	// a passage with the question's own word is better evidence than one
	// reached only through the synonym table.
	texts  []string
	weight float64
	term   bool // a recognised term of the synonym table or glossary
	known  bool // the corpus contains it somewhere
	// specific is set for a recognised term that only a few articles have
	// (specificDF): it names a topic, not a kind of thing every article has.
	specific bool
	// dept marks a department's name: it says who handles something, not
	// what it is about, and weighs little in telling articles apart.
	dept bool
	df   int // chunks with the anchor (its rarest wording)
	text string
}

// Weights below minAnchorWeight are words most of the corpus has: they say
// nothing about which article a question is about.
const minAnchorWeight = 0.9

// anchors returns the anchors of q's evidence text (the question, plus the
// conversation's topic for a continuation), weighted by the documents the
// search in will look at.
func (b *Bot) anchors(ctx context.Context, text string, spans []TermSpan, english bool, in retrieval.Query) ([]anchor, map[string]float64) {
	var terms []anchor
	var termSpans []TermSpan
	inSpan := regionRunes(text)
	rs := []rune(text)
	for _, sp := range spans {
		if genericTerms(sp.Alts) {
			// 奖励, 申报: no anchor of their own. A variant the table reads
			// as one (兑付 → 申报) stays the question's own word.
			if sp.Start >= 0 && sp.End <= len(rs) && slices.Contains(sp.Alts, string(rs[sp.Start:sp.End])) {
				for i := sp.Start; i < sp.End; i++ {
					inSpan[i] = true
				}
			}
			continue
		}
		var alts []string
		for _, a := range sp.Alts {
			if a = strings.TrimSpace(a); a != "" {
				alts = append(alts, a)
			}
		}
		if len(alts) == 0 {
			continue
		}
		t := ""
		if sp.Start >= 0 && sp.End <= len(rs) && sp.Start < sp.End {
			t = string(rs[sp.Start:sp.End])
		}
		if t != "" && strings.TrimSpace(t) == "" {
			continue // words of the scope, blanked (withoutScope)
		}
		if isPlace(t) || inSpan[sp.Start] && inSpan[sp.End-1] {
			// Where, not what: a place says which measures apply, not which
			// article answers (and a question naming only a place is not
			// about a topic).
			for i := sp.Start; i < sp.End; i++ {
				inSpan[i] = true
			}
			continue
		}
		terms = append(terms, anchor{alts: alts, term: true, text: t, texts: []string{t}, dept: isDepartment(alts)})
		termSpans = append(termSpans, sp)
	}
	weights := b.weigh(ctx, terms, in)
	for k, a := range terms {
		if !a.known {
			continue // a term the corpus words differently: its characters speak for it
		}
		for i := termSpans[k].Start; i < termSpans[k].End; i++ {
			inSpan[i] = true
		}
	}
	var bigrams []anchor
	{
		// Han words are anchors in any question (an English one may quote
		// 水肥一体化); an English question's own words the corpus writes too
		// (CMMI, UFI, PCT) are anchors as well.
		if english {
			bigrams = append(bigrams, latinAnchors(rs, inSpan)...)
		}
		for _, run := range contentMask(text) {
			for i := 0; i+1 < len(run.runes); i++ {
				if inSpan[run.start+i] || inSpan[run.start+i+1] {
					continue // the term speaks for its characters
				}
				if !norm.IsHan(run.runes[i]) || !norm.IsHan(run.runes[i+1]) ||
					strings.ContainsRune(functionRunes, run.runes[i]) || strings.ContainsRune(functionRunes, run.runes[i+1]) {
					continue
				}
				bg := string(run.runes[i : i+2])
				if isPlace(bg) {
					continue
				}
				bigrams = append(bigrams, anchor{alts: []string{bg}, text: bg})
			}
		}
	}
	for bg, w := range b.weigh(ctx, bigrams, in) {
		weights[bg] = w
	}
	return dedupeAnchors(append(terms, bigrams...)), weights
}

// latinAnchors returns the Latin words of an English question that are not
// part of a recognised phrase and not everyday English: the corpus may
// write them (CMMI, UFI, PCT, AEO).
func latinAnchors(rs []rune, inSpan map[int]bool) []anchor {
	var out []anchor
	for i := 0; i < len(rs); {
		if !isASCIILetterRune(rs[i]) {
			i++
			continue
		}
		j := i
		covered := false
		for j < len(rs) && (isASCIILetterRune(rs[j]) || rs[j] >= '0' && rs[j] <= '9') {
			covered = covered || inSpan[j]
			j++
		}
		w := strings.ToLower(string(rs[i:j]))
		if !covered && len(w) >= 3 && !englishStop[w] {
			out = append(out, anchor{alts: []string{w}, text: w})
		}
		i = j
	}
	return out
}

func isASCIILetterRune(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// englishStop are everyday English words that name no topic.
var englishStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and for are was were been being have has had does did can could will would shall should may might must
	our ours you your yours they their them this that these those there here what which who whom whose how much many when where why
	about with from into onto over under after before since until than then also only just very any some all each every both either
	neither not nor yes get got give given gets receive received apply applied applying please tell know want like hello thanks thank
	company companies firm firms enterprise enterprises business businesses just new year years this last next month months day days
	is are be it its of to in on at by as or if an a we i me my us his her he she do so no up out too`) {
		englishStop[w] = true
	}
}

// functionRunes are characters that glue words together; a bigram with one
// of them (地的, 在吴, 是外) crosses a word boundary and says nothing.
const functionRunes = "的了在是和与或及也都就被把给这那个之其而吗呢吧啊呀么着过从向对为将"

// weigh sets the weights from the corpus: a bigram's own frequency, a
// term's that of its most common wording.
//
// It returns the weight of every bigram it looked up, for telling sibling
// clauses apart by the rare words of a question.
func (b *Bot) weigh(ctx context.Context, as []anchor, in retrieval.Query) map[string]float64 {
	df, ok := b.cfg.Index.(DocFreqer)
	var keys []string
	index := map[string]int{}
	for _, a := range as {
		for _, alt := range a.alts {
			for _, bg := range bigramsOf(alt) {
				if _, seen := index[bg]; !seen {
					index[bg] = len(keys)
					keys = append(keys, bg)
				}
			}
		}
	}
	var n int
	var freq []int
	if ok && len(keys) > 0 {
		var err error
		n, freq, err = df.DocFreq(ctx, keys, in)
		if err != nil {
			b.cfg.Logger.Warn("document frequencies unavailable", "err", err)
			ok = false
		}
	}
	weights := make(map[string]float64, len(keys))
	if ok && n > 0 {
		for bg, k := range index {
			if freq[k] > 0 {
				weights[bg] = idf(n, freq[k])
			}
		}
	}
	for i := range as {
		if !ok || n == 0 {
			// Without frequencies every word weighs alike, and a recognised
			// term is taken to name its topic.
			as[i].weight, as[i].known = defaultWeight, true
			as[i].specific = as[i].term && !as[i].dept
			continue
		}
		// A term is in at least as many chunks as its most common wording
		// (省级 and 江苏省: 省级's); a wording is in at most as many as its
		// rarest bigram.
		best := -1
		for _, alt := range as[i].alts {
			altDF := math.MaxInt
			for _, bg := range bigramsOf(alt) {
				altDF = min(altDF, freq[index[bg]])
			}
			if altDF == math.MaxInt {
				continue
			}
			best = max(best, altDF)
		}
		if best <= 0 {
			as[i].weight, as[i].known = 0, false
			continue
		}
		as[i].known, as[i].df = true, best
		as[i].weight = idf(n, best)
		if as[i].term {
			as[i].weight *= termBoost
			as[i].specific = best <= specificDF(n) && !as[i].dept
		}
		if as[i].dept {
			as[i].weight *= deptWeight
		}
	}
	return weights
}

// specificDF is the most chunks a term may be in and still single out a
// topic: 12% of the corpus, at least 6 (a topic's reward article, the
// measure's scope and purpose, a meeting report that mentions it).
func specificDF(n int) int { return max(6, n*12/100) }

// deptWeight scales the weight of a department's name.
const deptWeight = 0.3

// isDepartment reports whether a term's corpus wordings name a department
// (区工信局, 发改委) or the notion of one (责任单位, 部门).
func isDepartment(alts []string) bool {
	for _, a := range alts {
		if strings.HasSuffix(a, "局") || strings.HasSuffix(a, "委员会") || strings.HasSuffix(a, "委") || strings.HasSuffix(a, "办公室") ||
			a == "部门" || a == "责任单位" || a == "主管部门" || a == "负责解释" {
			return true
		}
	}
	return false
}

// specificity is how clearly a question names a topic of its own: one
// for each specific term, half for each bigram only a couple of articles
// have. Below one the question leans on the conversation's topic.
func specificity(as []anchor) float64 {
	s := 0.0
	for _, a := range as {
		switch {
		case !a.known || a.dept:
		case a.specific:
			s++
		case !a.term && a.df > 0 && a.df <= 2:
			s += 0.5
		}
	}
	return s
}

// idf is the weight of a word in df of n chunks: its inverse document
// frequency, scaled so that a word in one chunk of the bundled corpus (about
// fifty chunks) weighs about 4.7 whatever the corpus's size — the
// thresholds are calibrated on that scale.
func idf(n, df int) float64 {
	return math.Log(float64(n+1)/(float64(df)+0.5)) / math.Log(float64(n+1)/0.5) * idfScale
}

// idfScale is the weight of a word found in a single chunk.
const idfScale = 4.7

// defaultWeight is the weight of every anchor when the index gives no
// frequencies.
const defaultWeight = 3.0

// termBoost weighs a recognised term above the bigrams of its wording: the
// tables say it is one concept.
const termBoost = 1.5

func dedupeAnchors(as []anchor) []anchor {
	seen := map[string]int{}
	out := as[:0]
	for _, a := range as {
		k := strings.Join(a.alts, "|")
		if i, ok := seen[k]; ok {
			out[i].texts = append(out[i].texts, a.texts...)
			continue
		}
		seen[k] = len(out)
		out = append(out, a)
	}
	return out
}

// synonymOnly scales the weight of a term found in a passage only through
// the synonym table, not in the question's own words.
const synonymOnly = 0.7

// bigramsOf returns the tokens of a folded phrase as the lexical index
// holds them: overlapping bigrams of Han runs, whole Latin words or
// numbers, a lone Han character as itself.
func bigramsOf(s string) []string {
	var out []string
	var han []rune
	var word []rune
	flushHan := func() {
		switch len(han) {
		case 0:
		case 1:
			out = append(out, string(han))
		default:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	flushWord := func() {
		if len(word) > 0 {
			out = append(out, string(word))
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case norm.IsHan(r):
			flushWord()
			han = append(han, r)
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			flushHan()
			word = append(word, r)
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return out
}

// match is how well a passage covers a question's anchors.
type match struct {
	found, known float64 // weights of the anchors found, and of all known ones
	terms        int     // recognised terms found
	specific     int     // specific terms found
	missing      int     // specific terms not found
	strongest    float64 // weight of the heaviest anchor found
}

// coverage is the weighted share of the question's known anchors that the
// passage contains.
func (m match) coverage() float64 {
	if m.known == 0 {
		return 0
	}
	return m.found / m.known
}

// measureAnchors matches anchors against a folded passage.
func measureAnchors(as []anchor, passage string) match {
	var m match
	for _, a := range as {
		if !a.known || a.weight < minAnchorWeight {
			continue
		}
		m.known += a.weight
		found := false
		for _, alt := range a.alts {
			if strings.Contains(passage, alt) {
				found = true
				break
			}
		}
		if found {
			w := a.weight
			if a.term && !literal(a, passage) {
				w *= synonymOnly
			}
			m.found += w
			m.strongest = max(m.strongest, a.weight)
			if a.term {
				m.terms++
			}
			if a.specific {
				m.specific++
			}
		} else if a.specific {
			m.missing++
		}
	}
	return m
}

// literal reports whether the passage has one of the question's own
// wordings of a term, or most of its bigrams (节能降碳改造 in 节能降碳技术
// 改造): a term reached only through the synonym table (第一家门店 → 首店)
// is weaker evidence.
func literal(a anchor, passage string) bool {
	for _, t := range a.texts {
		if t == "" {
			continue
		}
		if strings.Contains(passage, t) {
			return true
		}
		bgs := bigramsOf(t)
		in := 0
		for _, bg := range bgs {
			if strings.Contains(passage, bg) {
				in++
			}
		}
		if len(bgs) >= 2 && float64(in) >= 0.6*float64(len(bgs)) {
			return true
		}
	}
	return false
}

// topicWeight is how much the question says about a topic: the summed
// weight of its known anchors that are not everyday words of the corpus.
func topicWeight(as []anchor) float64 {
	w := 0.0
	for _, a := range as {
		if a.known && a.weight >= minAnchorWeight {
			w += a.weight
		}
	}
	return w
}

// namesTerm reports whether the anchors hold a recognised term the corpus
// has (制造业, 文旅): a field of policy, however common in the corpus.
func namesTerm(as []anchor) bool {
	return slices.ContainsFunc(as, func(a anchor) bool { return a.term && a.known && !a.dept })
}

// unknownBigrams counts the question's Han bigrams that no article has (an
// English word the corpus does not have is only English).
func unknownBigrams(as []anchor) int {
	n := 0
	for _, a := range as {
		if !a.term && !a.known && strings.IndexFunc(a.text, norm.IsHan) >= 0 {
			n++
		}
	}
	return n
}

// places are names of places a question may give as context (its own
// location, a supplier's, a venue) that the regions table does not have:
// towns, landmarks. They say where, not what.
var places = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`杭州 太湖 东山 西山 光福 木渎 甪直 胥口 临湖 越溪 横泾 香山 金庭 城南 长桥 郭巷 太湖街道 国内 国外 境内`) {
		places[p] = true
	}
}

// isPlace reports whether s is the name of a region or of a place.
func isPlace(s string) bool {
	if places[s] {
		return true
	}
	r, ok := policies.DefaultRegions().Lookup(s)
	return ok && r.Name != ""
}

// regionRunes returns the rune positions of text inside the names of
// regions (苏州高新区, 姑苏, 江苏省): where, not what. A short name that is
// also an ordinary word (园区 in 产业园区) stays.
func regionRunes(text string) map[int]bool {
	out := map[int]bool{}
	for _, m := range policies.DefaultRegions().Find(text) {
		if m.Ambiguous {
			continue
		}
		start := utf8.RuneCountInString(text[:m.Start])
		for i := range utf8.RuneCountInString(m.Text) {
			out[start+i] = true
		}
	}
	return out
}
