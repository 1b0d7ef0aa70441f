package bot

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"policybot/policies/norm"
	"policybot/retrieval/query"
)

// fillers are the words of a question that carry no policy content: question
// words, pronouns, verbs of getting and asking. They are cut out before the
// evidence of a question is measured, so "能拿多少钱" weighs nothing and
// "专精特新" everything. Longer fillers are cut first.
var fillers = sortedByLength([]string{
	"请问", "你好", "您好", "想问", "问一下", "咨询", "一下", "找谁", "问谁", "申请", "想申请", "去哪里", "去哪", "我们", "我司", "本公司", "公司", "你们", "他们",
	"多少钱", "多少", "怎么样", "怎么", "怎样", "如何", "什么", "哪些", "哪个", "哪里", "哪天", "哪一天", "几项",
	"有没有", "是不是", "能不能", "可不可以", "可以", "能够", "需要", "应该", "还能", "还有",
	"这个", "那个", "这些", "那些", "上述", "如果", "假如", "的话", "那么",
	"区里", "政策", "规定", "具体", "标准", "情况", "能拿", "能补", "补多少", "拿到", "得到",
	"什么时候", "时候", "满足", "条件", "要求", "门槛", "比例", "多大", "多久", "怎么算", "怎么办", "办法",
	"今年", "去年", "明年", "刚刚", "已经", "现在", "目前", "大概", "一般",
})

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

// generic are canonical terms that every policy article matches: a question
// whose only recognised terms are these has named no topic.
var generic = map[string]bool{"奖励": true, "补助": true, "政策措施": true, "最高": true, "比例": true,
	"申报": true, "施行": true, "有效期": true, "达到 以上": true, "达到": true, "以上": true,
	// Units say how much, not of what.
	"美元": true, "万元": true, "亿元": true, "元": true, "平方米": true}

func genericTerms(alts []string) bool {
	for _, a := range alts {
		if !generic[a] {
			return false
		}
	}
	return len(alts) > 0
}
