package corpus

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"policybot/bot/convlog"
	"policybot/policies/norm"
)

// InsightGroup is a set of similar questions the corpus is missing.
type InsightGroup struct {
	// Question is the wording asked most often (the latest of equals).
	Question string
	// Count is how many questions the group holds; Refused and Down count
	// those refused and those rated 👎 (a question may be both).
	Count, Refused, Down int
	// Examples are the distinct wordings, most asked first (at most
	// MaxExamples).
	Examples []string
	// Comments are the 👎 comments, latest first (at most MaxExamples).
	Comments    []string
	First, Last time.Time
}

// Grouping parameters. Questions are grouped by single-link clustering on
// the Jaccard similarity of their character bigrams: two wordings whose
// bigram sets share at least SimilarityThreshold of their union are
// linked, and a group is everything linked directly or through others.
// Before comparing, a question is width-folded and lower-cased, and its
// spaces, punctuation and question words (怎么, 如何, 多少, 吗 …) are
// dropped. The method is deterministic and needs no model; it groups
// rewordings ("人才公寓怎么申请" / "人才公寓如何申请" / "人才公寓申请条件"),
// not synonyms.
const (
	SimilarityThreshold = 0.5
	// MaxExamples bounds the examples and comments of a group.
	MaxExamples = 5
	// MaxInsightQuestions is the most questions read for one report.
	MaxInsightQuestions = 20000
	// maxDistinct bounds the distinct wordings clustered (pairs are
	// compared through shared bigrams, but a report stays bounded).
	maxDistinct = 5000
)

// GroupQuestions groups similar questions (see SimilarityThreshold), the
// largest groups first.
func GroupQuestions(qs []convlog.Question) []InsightGroup {
	// Identical wordings (after normalisation) are one node.
	type node struct {
		key   string
		grams map[string]bool
		qs    []convlog.Question
		texts map[string]int // original wording → count
	}
	var nodes []*node
	byKey := map[string]*node{}
	for _, q := range qs {
		key := normalizeQuestion(q.Text)
		if key == "" {
			continue
		}
		n, ok := byKey[key]
		if !ok {
			n = &node{key: key, texts: map[string]int{}}
			byKey[key] = n
			nodes = append(nodes, n)
		}
		n.qs = append(n.qs, q)
		n.texts[strings.TrimSpace(q.Text)]++
	}
	if len(nodes) > maxDistinct {
		sort.SliceStable(nodes, func(i, j int) bool { return len(nodes[i].qs) > len(nodes[j].qs) })
		nodes = nodes[:maxDistinct]
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].key < nodes[j].key })

	// Union-find over the nodes; only pairs sharing a bigram can be similar.
	parent := make([]int, len(nodes))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	posting := map[string][]int{}
	for i, n := range nodes {
		n.grams = bigrams(n.key)
		for g := range n.grams {
			posting[g] = append(posting[g], i)
		}
	}
	for i, n := range nodes {
		seen := map[int]bool{}
		for g := range n.grams {
			for _, j := range posting[g] {
				if j <= i || seen[j] {
					continue
				}
				seen[j] = true
				if find(i) != find(j) && jaccard(n.grams, nodes[j].grams) >= SimilarityThreshold {
					parent[find(j)] = find(i)
				}
			}
		}
	}

	members := map[int][]*node{}
	var roots []int
	for i, n := range nodes {
		r := find(i)
		if _, ok := members[r]; !ok {
			roots = append(roots, r)
		}
		members[r] = append(members[r], n)
	}
	out := make([]InsightGroup, 0, len(roots))
	for _, r := range roots {
		var g InsightGroup
		texts := map[string]int{}
		last := map[string]time.Time{}
		var all []convlog.Question
		for _, n := range members[r] {
			for t, c := range n.texts {
				texts[t] += c
			}
			all = append(all, n.qs...)
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
		for _, q := range all {
			g.Count++
			if q.Refused {
				g.Refused++
			}
			if q.Down {
				g.Down++
			}
			t := strings.TrimSpace(q.Text)
			if q.At.After(last[t]) || last[t].IsZero() {
				last[t] = q.At
			}
			if g.First.IsZero() || q.At.Before(g.First) {
				g.First = q.At
			}
			if q.At.After(g.Last) {
				g.Last = q.At
			}
		}
		for i := len(all) - 1; i >= 0 && len(g.Comments) < MaxExamples; i-- {
			if c := strings.TrimSpace(all[i].Comment); c != "" && all[i].Down {
				g.Comments = append(g.Comments, c)
			}
		}
		wordings := make([]string, 0, len(texts))
		for t := range texts {
			wordings = append(wordings, t)
		}
		sort.Slice(wordings, func(i, j int) bool {
			a, b := wordings[i], wordings[j]
			if texts[a] != texts[b] {
				return texts[a] > texts[b]
			}
			if !last[a].Equal(last[b]) {
				return last[a].After(last[b])
			}
			return a < b
		})
		g.Question = wordings[0]
		g.Examples = wordings[:min(len(wordings), MaxExamples)]
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if !a.Last.Equal(b.Last) {
			return a.Last.After(b.Last)
		}
		return a.Question < b.Question
	})
	return out
}

// questionWords are how questions are asked rather than what they ask
// about: "人才公寓怎么申请" and "人才公寓如何申请" are one question. Longer
// phrases come first so that they are removed whole.
var questionWords = strings.NewReplacer(
	"有没有", "", "是不是", "", "能不能", "", "可不可以", "", "请问", "", "怎么", "", "怎样", "", "如何", "",
	"多少", "", "什么", "", "哪些", "", "哪里", "", "是否", "", "能否", "", "可以", "", "吗", "", "呢", "", "么", "",
)

// normalizeQuestion folds the question (norm.Fold), drops the question words and
// keeps letters and digits. A question made only of question words is
// kept as it is.
func normalizeQuestion(s string) string {
	s = norm.Fold(s)
	keep := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	if k := keep(questionWords.Replace(s)); k != "" {
		return k
	}
	return keep(s)
}

// bigrams are the overlapping character pairs of s; a one-character s is
// its own only gram.
func bigrams(s string) map[string]bool {
	rs := []rune(s)
	out := map[string]bool{}
	if len(rs) == 1 {
		out[s] = true
		return out
	}
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	inter := 0
	for g := range a {
		if b[g] {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}
