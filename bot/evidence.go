package bot

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"policybot/policies/norm"
	"policybot/retrieval"
	"policybot/retrieval/query"
)

// fillers are the words of a question that carry no policy content: question
// words, pronouns, verbs of getting and asking. They are cut out before the
// evidence of a question is measured, so "能拿多少钱" weighs nothing and
// "专精特新" everything. Longer fillers are cut first.
var fillers = sortedByLength([]string{
	"请问", "你好", "您好", "想问", "问一下", "咨询", "一下", "我们", "我司", "本公司", "公司", "你们", "他们",
	"多少钱", "多少", "怎么样", "怎么", "怎样", "如何", "什么", "哪些", "哪个", "哪里", "哪天", "哪一天", "几项",
	"有没有", "是不是", "能不能", "可不可以", "可以", "能够", "需要", "应该", "还能", "还有",
	"这个", "那个", "这些", "那些", "上述", "如果", "假如", "的话", "那么",
	"区里", "政策", "规定", "具体", "标准", "情况", "能拿", "能补", "补多少", "拿到", "得到",
	"什么时候", "时候", "满足", "条件", "要求", "门槛", "比例", "多大", "多久", "怎么算", "怎么办", "办法",
	"今年", "去年", "明年", "刚刚", "已经", "现在", "目前", "大概", "一般",
})

// weakRunes are single characters that are fillers on their own ("的", "吗")
// but also parts of policy words ("有效期", "会议"): they count as content only
// where the passage explains them.
const weakRunes = "吗呢吧啊呀的了是在有和与或及也都就被把给拿领这那该其它还能会要想请问刚几个"

// fillerBlanker replaces fillers, longest first, by spaces.
var fillerBlanker = func() *strings.Replacer {
	var pairs []string
	for _, f := range fillers {
		pairs = append(pairs, f, strings.Repeat(" ", utf8.RuneCountInString(f)))
	}
	return strings.NewReplacer(pairs...)
}()

func sortedByLength(s []string) []string {
	sort.Slice(s, func(i, j int) bool { return len([]rune(s[i])) > len([]rune(s[j])) })
	return s
}

// TermSpan is a recognised domain term in a question: the runes
// [Start, End) of the question stand for any of Alts (the corpus wording).
type TermSpan struct {
	Start, End int
	Alts       []string
}

// contentRuns returns the question with fillers, punctuation and spaces
// removed, as runs of characters.
func contentRuns(q string) [][]rune {
	var runs [][]rune
	for _, r := range contentMask(q) {
		runs = append(runs, r.runes)
	}
	return runs
}

type maskedRun struct {
	runes []rune
	start int // rune offset in the question
}

// contentMask splits q into runs of content characters: fillers,
// punctuation and spaces end a run.
func contentMask(q string) []maskedRun {
	// Each filler becomes as many spaces as it has runes, so rune offsets
	// (which TermSpans use) are kept.
	rs := []rune(fillerBlanker.Replace(strings.ToLower(q)))
	var runs []maskedRun
	var cur *maskedRun
	for i, r := range rs {
		isContent := unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r) || r == '%'
		if !isContent {
			cur = nil
			continue
		}
		if cur == nil {
			runs = append(runs, maskedRun{start: i})
			cur = &runs[len(runs)-1]
		}
		cur.runes = append(cur.runes, r)
	}
	return runs
}

// Evidence measures how well a passage covers a question's content.
type Evidence struct {
	// Covered is the share of the question's content characters that the
	// passage explains: a character is explained when it and a neighbour
	// form a bigram that occurs in the passage (single-character runs count
	// when the character occurs), or when it is part of a recognised term
	// whose corpus wording occurs in the passage.
	Covered float64
	// Content is the number of content characters in the question.
	Content int
	// Gap is the longest run of consecutive unexplained characters: an
	// out-of-scope question leaves a whole term ("所得税", "人才公寓")
	// unexplained, a paraphrase only single characters.
	Gap int
}

// measure computes the Evidence of passage for question, whose recognised
// terms are spans.
func measure(question string, spans []TermSpan, passage string, english bool) Evidence {
	return measureRuns(question, contentMask(question), spans, passage, english)
}

// measureRuns is measure with the question's content runs already computed
// (contentMask), for measuring one question against several passages.
func measureRuns(question string, runs []maskedRun, spans []TermSpan, passage string, english bool) Evidence {
	p := strings.ToLower(passage)
	if english {
		return measureEnglish(question, spans, p)
	}
	var ev Evidence
	var explained int
	// Runes of a span are explained together, by any alternative wording.
	spanOK := map[int]bool{}
	for _, sp := range spans {
		found := false
		for _, a := range sp.Alts {
			if a != "" && strings.Contains(p, strings.ToLower(a)) {
				found = true
				break
			}
		}
		if found {
			for i := sp.Start; i < sp.End; i++ {
				spanOK[i] = true
			}
		}
	}
	for _, run := range runs {
		ok := make([]bool, len(run.runes))
		if len(run.runes) == 1 {
			ok[0] = strings.ContainsRune(p, run.runes[0])
		}
		for i := 0; i+1 < len(run.runes); i++ {
			if strings.Contains(p, string(run.runes[i:i+2])) {
				ok[i], ok[i+1] = true, true
			}
		}
		for i := range ok {
			ok[i] = ok[i] || spanOK[run.start+i]
		}
		gap := 0
		for i, o := range ok {
			if !o && strings.ContainsRune(weakRunes, run.runes[i]) {
				gap = 0
				continue
			}
			ev.Content++
			if o {
				explained++
				gap = 0
				continue
			}
			gap++
			if gap > ev.Gap {
				ev.Gap = gap
			}
		}
	}
	if ev.Content > 0 {
		ev.Covered = float64(explained) / float64(ev.Content)
	}
	return ev
}

// strong reports whether the evidence is enough to answer: most of the
// question explained, and no unexplained term. Scattered unexplained single
// characters are colloquial wording ("卖了…票"); a run of two is a word the
// article does not have, tolerated only when nearly everything else is
// explained; a run of three or more is a topic the article is not about.
func (ev Evidence) strong(english bool) bool {
	if english {
		return ev.Content >= 1 && ev.Covered >= minCovered && ev.Gap <= 1
	}
	switch {
	case ev.Content < minContent, ev.Gap > maxGap:
		return false
	case ev.Gap == maxGap:
		return ev.Covered >= 0.85
	default:
		return ev.Covered >= minCoveredLoose
	}
}

// rankScore orders passages for a question: coverage counting recognised
// terms, plus coverage of the question's own words (so the article that says
// "小升规" beats one that only says 规模以上), then the retrieval rank
// (0-based) as a mild prior.
func rankScore(ev, literal Evidence, rank int) float64 {
	return ev.Covered + literal.Covered - 0.1*float64(max(ev.Gap-1, 0)) - 0.04*float64(rank)
}

// passageText is what a question may be matched against: the article with
// its document title and chapter.
func passageText(c retrieval.Chunk) string {
	return c.DocTitle + " " + c.Chapter + " " + c.Text
}

// termSpans returns the recognised terms of a rewritten question, with
// their corpus wordings (folded) as the alternatives.
func termSpans(rw query.Rewritten) []TermSpan {
	out := make([]TermSpan, 0, len(rw.Spans))
	for _, sp := range rw.Spans {
		ts := TermSpan{Start: sp.Start, End: sp.End}
		for _, t := range sp.Terms {
			ts.Alts = append(ts.Alts, norm.Fold(t))
		}
		out = append(out, ts)
	}
	return out
}

// englishStop are the English words that carry no policy content.
var englishStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the is are was were be been do does did can could will would shall should may might
	i we our us you your they their it its this that these those there here what which who whom whose how much many when where why
	of for to in on at by with from about as and or if any some there's what's is there are there get got give given receive apply
	please tell me know want would like hello hi much more most than then also only just new our company firm enterprise business
	yes no not me my support subsidy subsidies reward rewards incentive incentives grant grants funding fund funds
	policy policies bonus money award awards`) {
		englishStop[w] = true
	}
}

// generic are canonical terms that every policy article matches: a question
// whose only recognised terms are these has named no topic.
var generic = map[string]bool{"奖励": true, "补助": true, "政策措施": true, "最高": true, "比例": true,
	"申报": true, "施行": true, "有效期": true, "达到 以上": true, "达到": true, "以上": true}

func genericTerms(alts []string) bool {
	for _, a := range alts {
		if !generic[a] {
			return false
		}
	}
	return len(alts) > 0
}

// measureEnglish is measure for an English question: the recognised terms
// (glossary phrases) must be found in the passage, and every other content
// word is unexplained — an English question about a topic the glossary does
// not know is not covered.
func measureEnglish(question string, spans []TermSpan, p string) Evidence {
	rs := []rune(question)
	inSpan := make([]bool, len(rs))
	var ev Evidence
	explained := 0
	for _, sp := range spans {
		for i := max(sp.Start, 0); i < min(sp.End, len(rs)); i++ {
			inSpan[i] = true
		}
		if genericTerms(sp.Alts) {
			continue // "reward", "how to apply": says nothing about the topic
		}
		found := false
		for _, a := range sp.Alts {
			if a != "" && strings.Contains(p, strings.ToLower(a)) {
				found = true
				break
			}
		}
		ev.Content++
		if found {
			explained++
		}
	}
	// Content words outside every span.
	gap := 0
	word := []rune{}
	flush := func(covered bool) {
		w := string(word)
		word = word[:0]
		if w == "" || covered || englishStop[w] || len(w) < 3 {
			return
		}
		ev.Content++
		gap++
		if gap > ev.Gap {
			ev.Gap = gap
		}
	}
	covered := false
	for i, r := range rs {
		if unicode.IsLetter(r) && r < 0x80 {
			word = append(word, unicode.ToLower(r))
			covered = covered || inSpan[i]
			continue
		}
		flush(covered)
		covered = false
	}
	flush(covered)
	if ev.Content > 0 {
		ev.Covered = float64(explained) / float64(ev.Content)
	}
	return ev
}
