package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/policies"
)

// evalQuestion is one line of an evaluation set (testdata/eval/README.md).
type evalQuestion struct {
	ID       string   `json:"id"`
	Q        string   `json:"q"`
	Turns    []string `json:"turns"`
	Doc      string   `json:"doc"`
	Article  *int     `json:"article"`
	Contains []string `json:"contains"`
	Refuse   bool     `json:"refuse"`
	// NotContains are strings the answer must not contain (another tier's
	// amount); Expect is answer, refuse, route, clarify or chat; RouteTo is
	// a keyword of the department a route reply must name.
	NotContains []string `json:"not_contains"`
	Expect      string   `json:"expect"`
	RouteTo     string   `json:"route_to"`
	// Region is the region the question asks about, when a set says (the
	// look-alike sets); otherwise the regions its text names, or the home
	// region.
	Region string `json:"region"`
}

// expectation returns what the question expects, from expect or, for sets
// without it, from refuse and doc.
func (q evalQuestion) expectation() string {
	switch {
	case q.Expect != "":
		return q.Expect
	case q.Refuse:
		return "refuse"
	case q.Doc != "":
		return "answer"
	}
	return "answer"
}

type evalRef struct {
	Doc     string   `json:"doc"`
	Article int      `json:"article"`
	Score   *float64 `json:"score,omitempty"`
}

type evalResult struct {
	ID         string    `json:"id"`
	Answer     string    `json:"answer"`
	Mode       string    `json:"mode"`
	Expect     string    `json:"expect"`
	Refused    bool      `json:"refused"`
	Retrieved  []evalRef `json:"retrieved"`
	Citations  []evalRef `json:"citations"`
	HitRank    int       `json:"hit_rank"`
	AnswerOK   bool      `json:"answer_ok"`
	CitationOK bool      `json:"citation_ok"`
	// OK is whether the reply meets the question's expectation.
	OK          bool `json:"ok"`
	WrongFigure bool `json:"wrong_figure,omitempty"`
	// Foreign is set when the reply cites a measure of a region that
	// neither the question named nor the home region is in.
	Foreign bool    `json:"foreign,omitempty"`
	MS      float64 `json:"ms"`
}

type evalReport struct {
	N             int     `json:"n"`
	HitAt1        float64 `json:"hit_at_1"`
	HitAt5        float64 `json:"hit_at_5"`
	MRR           float64 `json:"mrr"`
	AnswerOK      float64 `json:"answer_ok"`
	CitationOK    float64 `json:"citation_ok"`
	RefusalOK     float64 `json:"refusal_ok"`
	FalseRefusal  float64 `json:"false_refusal"`
	ForbiddenHits int     `json:"forbidden_hits"`
	WrongFigure   int     `json:"wrong_figure"`
	// ForeignCitations counts the replies citing another region's measure
	// (evalResult.Foreign).
	ForeignCitations int          `json:"foreign_citations"`
	HedgeRate        float64      `json:"hedge_rate"`
	RouteOK          float64      `json:"route_ok"`
	ClarifyOK        float64      `json:"clarify_ok"`
	ChatOK           float64      `json:"chat_ok"`
	P50MS            float64      `json:"p50_ms"`
	P95MS            float64      `json:"p95_ms"`
	Results          []evalResult `json:"results"`
}

func runEval(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("eval", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the report as JSON")
	minHit1 := fl.Float64("min-hit1", -1, "fail when hit@1 is below this")
	minHit5 := fl.Float64("min-hit5", -1, "fail when hit@5 is below this")
	minMRR := fl.Float64("min-mrr", -1, "fail when MRR is below this")
	minAnswer := fl.Float64("min-answer", -1, "fail when answer_ok is below this")
	minCitation := fl.Float64("min-citation", -1, "fail when citation_ok is below this")
	minRefusal := fl.Float64("min-refusal", -1, "fail when refusal_ok is below this")
	maxFalse := fl.Float64("max-false-refusal", -1, "fail when false_refusal is above this")
	maxForbidden := fl.Int("max-forbidden", -1, "fail when forbidden_hits is above this")
	maxWrong := fl.Int("max-wrong-figure", -1, "fail when wrong_figure is above this")
	maxForeign := fl.Int("max-foreign", -1, "fail when foreign_citations (replies citing a measure of a region the question did not name) is above this")
	maxHedge := fl.Float64("max-hedge", -1, "fail when hedge_rate is above this")
	minRoute := fl.Float64("min-route", -1, "fail when route_ok is below this")
	minClarify := fl.Float64("min-clarify", -1, "fail when clarify_ok is below this")
	minChat := fl.Float64("min-chat", -1, "fail when chat_ok is below this")
	asOf := fl.String("as-of", "", "answer as on this day (YYYY-MM-DD) instead of today, so a set keeps its meaning after the documents expire")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: policybot eval [--json] [--min-hit1 X ...] FILE...")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return errors.New("eval: no question file given")
	}
	var qs []evalQuestion
	for _, path := range fl.Args() {
		more, err := readEvalFile(path)
		if err != nil {
			return err
		}
		qs = append(qs, more...)
	}
	if *asOf != "" {
		day, err := policies.ParseDate(*asOf)
		if err != nil {
			return fmt.Errorf("eval: --as-of %q: want YYYY-MM-DD (日期格式应为 YYYY-MM-DD)", *asOf)
		}
		noon := day.Add(12 * time.Hour)
		cfg.Now = func() time.Time { return noon }
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	// Each question starts a conversation of its own, kept in memory: a
	// conversation saved by an earlier run must not become its history.
	b, _, err := cfg.newBot(a.index, convlog.NewMemory(len(qs)+1), a.log)
	if err != nil {
		return err
	}
	rep := evaluate(ctx, b, qs, a.hygiene, scopeOf(a.index, cfg.HomeRegion), stderr)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printEvalTable(stdout, rep)
	}
	var fails []string
	check := func(name string, got, limit float64, below bool) {
		if limit < 0 {
			return
		}
		if (below && got < limit) || (!below && got > limit) {
			fails = append(fails, fmt.Sprintf("%s = %.3f, target %s %.3f", name, got, map[bool]string{true: "≥", false: "≤"}[below], limit))
		}
	}
	check("hit_at_1", rep.HitAt1, *minHit1, true)
	check("hit_at_5", rep.HitAt5, *minHit5, true)
	check("mrr", rep.MRR, *minMRR, true)
	check("answer_ok", rep.AnswerOK, *minAnswer, true)
	check("citation_ok", rep.CitationOK, *minCitation, true)
	check("refusal_ok", rep.RefusalOK, *minRefusal, true)
	check("false_refusal", rep.FalseRefusal, *maxFalse, false)
	check("forbidden_hits", float64(rep.ForbiddenHits), float64(*maxForbidden), false)
	check("wrong_figure", float64(rep.WrongFigure), float64(*maxWrong), false)
	check("foreign_citations", float64(rep.ForeignCitations), float64(*maxForeign), false)
	check("hedge_rate", rep.HedgeRate, *maxHedge, false)
	check("route_ok", rep.RouteOK, *minRoute, true)
	check("clarify_ok", rep.ClarifyOK, *minClarify, true)
	check("chat_ok", rep.ChatOK, *minChat, true)
	if len(fails) > 0 {
		for _, f := range fails {
			fmt.Fprintln(stderr, "eval: below target:", f)
		}
		return errSilent{fmt.Sprintf("eval: %d score(s) missed their targets", len(fails))}
	}
	return nil
}

func readEvalFile(path string) ([]evalQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []evalQuestion
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		var q evalQuestion
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		if q.Q == "" && len(q.Turns) == 0 {
			return nil, fmt.Errorf("%s:%d: question %q has neither q nor turns", path, n, q.ID)
		}
		if q.ID == "" {
			q.ID = fmt.Sprintf("%s:%d", path, n)
		}
		out = append(out, q)
	}
	return out, sc.Err()
}

// evalScope is what the eval knows of where measures apply: the home
// region and each document's region.
type evalScope struct {
	home      string
	docRegion map[string]string
}

func scopeOf(index bot.Searcher, home string) evalScope {
	sc := evalScope{home: home, docRegion: map[string]string{}}
	if s, ok := index.(bot.Scoper); ok {
		for _, d := range s.Scopes() {
			sc.docRegion[d.ID] = d.Region
		}
	}
	return sc
}

// foreign reports whether a reply to q cites a measure that applies
// neither in the home region nor in a region q names anywhere (the place
// of the policy, of the company, or of a supplier alike: the check is
// lenient towards a place named only as context).
func (sc evalScope) foreign(q evalQuestion, cites []evalRef) bool {
	regs := policies.DefaultRegions()
	where := []string{sc.home, q.Region}
	for _, t := range append([]string{q.Q}, q.Turns...) {
		for _, m := range regs.Find(t) {
			if !m.Ambiguous && !m.Tier {
				// 园区 in 产业园区, 苏州市级: no place named.
				where = append(where, m.Region)
			}
		}
	}
	for _, c := range cites {
		r := sc.docRegion[c.Doc]
		if r == "" {
			continue
		}
		applies := false
		for _, w := range where {
			applies = applies || w != "" && regs.AppliesIn(r, w)
		}
		if !applies {
			return true
		}
	}
	return false
}

// evaluate asks every question in a fresh conversation and scores the
// answers as the eval README defines: a question passes by its expect
// (answer, refuse, route, clarify, chat).
func evaluate(ctx context.Context, b *bot.Bot, qs []evalQuestion, h *policies.Hygiene, scope evalScope, progress io.Writer) evalReport {
	rep := evalReport{N: len(qs)}
	var withDoc, hit1, hit5, citeOK int
	var answerQs, answerOK, hedged, refuseQs, refusedOK, otherQs, falseRef int
	var routeQs, routeOK, clarifyQs, clarifyOK, chatQs, chatOK int
	var rr float64
	var times []float64
	for i, q := range qs {
		turns := q.Turns
		if len(turns) == 0 {
			turns = []string{q.Q}
		}
		conv := fmt.Sprintf("eval-%d-%s", i, q.ID)
		var ans bot.Answer
		var err error
		var ms float64
		for _, t := range turns {
			start := time.Now()
			ans, err = b.Ask(ctx, bot.Request{ConversationID: conv, Message: t})
			ms = float64(time.Since(start).Microseconds()) / 1000
		}
		times = append(times, ms)
		expect := q.expectation()
		r := evalResult{ID: q.ID, Expect: expect, MS: ms, Retrieved: []evalRef{}, Citations: []evalRef{}}
		if err != nil {
			fmt.Fprintf(progress, "eval: %s: %v\n", q.ID, err)
			r.Answer, r.Mode = "error: "+err.Error(), "error"
		} else {
			r.Answer, r.Refused, r.Mode = ans.Text, ans.Refused, string(ans.Mode)
			seen := map[string]bool{}
			for _, h := range ans.Retrieved {
				key := fmt.Sprintf("%s#%d", h.Chunk.DocID, h.Chunk.Article)
				if seen[key] {
					continue
				}
				seen[key] = true
				s := h.Score
				r.Retrieved = append(r.Retrieved, evalRef{Doc: h.Chunk.DocID, Article: h.Chunk.Article, Score: &s})
			}
			for _, c := range ans.Citations {
				r.Citations = append(r.Citations, evalRef{Doc: c.Doc, Article: c.Article})
			}
		}
		if !h.Clean(r.Answer) {
			rep.ForbiddenHits++
		}
		answered := err == nil && (ans.Mode == bot.ModeAnswer || ans.Mode == bot.ModeHedge)
		refused := err == nil && (ans.Mode == bot.ModeRefuse || ans.Mode == bot.ModeRoute || ans.Refused)
		r.WrongFigure = answered && containsAny(r.Answer, q.NotContains)
		if r.WrongFigure {
			rep.WrongFigure++
		}
		if r.Foreign = scope.foreign(q, r.Citations); r.Foreign {
			rep.ForeignCitations++
		}
		if q.Doc != "" {
			withDoc++
			match := func(e evalRef) bool {
				return e.Doc == q.Doc && (q.Article == nil || e.Article == *q.Article)
			}
			for k, e := range r.Retrieved {
				if k >= 10 {
					break
				}
				if match(e) {
					r.HitRank = k + 1
					break
				}
			}
			if r.HitRank == 1 {
				hit1++
			}
			if r.HitRank >= 1 && r.HitRank <= 5 {
				hit5++
			}
			if r.HitRank > 0 {
				rr += 1 / float64(r.HitRank)
			}
			r.CitationOK = len(r.Citations) > 0 && match(r.Citations[0])
			if r.CitationOK {
				citeOK++
			}
		}
		switch expect {
		case "refuse", "route":
			refuseQs++
			r.OK = refused && len(r.Citations) == 0
			if expect == "route" {
				routeQs++
				r.OK = r.OK && containsAll(r.Answer, []string{q.RouteTo})
				if r.OK {
					routeOK++
				}
			}
			if refused && len(r.Citations) == 0 {
				refusedOK++
			}
		default:
			otherQs++
			if refused {
				falseRef++
			}
			switch expect {
			case "clarify":
				clarifyQs++
				r.OK = err == nil && ans.Mode == bot.ModeClarify && len(r.Citations) == 0
				if r.OK {
					clarifyOK++
				}
			case "chat":
				chatQs++
				r.OK = err == nil && ans.Mode == bot.ModeChat && len(r.Citations) == 0
				if r.OK {
					chatOK++
				}
			default:
				answerQs++
				r.AnswerOK = answered && containsAll(r.Answer, q.Contains) && !r.WrongFigure
				r.OK = r.AnswerOK
				if r.AnswerOK {
					answerOK++
				}
				if err == nil && ans.Mode == bot.ModeHedge {
					hedged++
				}
			}
		}
		rep.Results = append(rep.Results, r)
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	rep.HitAt1, rep.HitAt5 = ratio(hit1, withDoc), ratio(hit5, withDoc)
	if withDoc > 0 {
		rep.MRR = rr / float64(withDoc)
	}
	rep.AnswerOK, rep.CitationOK = ratio(answerOK, answerQs), ratio(citeOK, withDoc)
	rep.RefusalOK = ratio(refusedOK, refuseQs)
	if refuseQs == 0 {
		rep.RefusalOK = 1
	}
	rep.FalseRefusal = ratio(falseRef, otherQs)
	rep.HedgeRate = ratio(hedged, answerQs)
	rep.RouteOK, rep.ClarifyOK, rep.ChatOK = ratioOr1(routeOK, routeQs), ratioOr1(clarifyOK, clarifyQs), ratioOr1(chatOK, chatQs)
	rep.P50MS, rep.P95MS = percentile(times, 0.50), percentile(times, 0.95)
	return rep
}

// ratioOr1 is a/b, or 1 when a set has no question of that kind.
func ratioOr1(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// containsAny reports whether answer contains any of the strings, compared
// like containsAll.
func containsAny(answer string, strs []string) bool {
	for _, s := range strs {
		if s != "" && containsAll(answer, []string{s}) {
			return true
		}
	}
	return false
}

// containsAll compares after removing whitespace, with full- and half-width
// digits and % equal.
func containsAll(answer string, want []string) bool {
	norm := func(s string) string {
		s = width.Narrow.String(s)
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	a := norm(answer)
	for _, w := range want {
		if !strings.Contains(a, norm(w)) {
			return false
		}
	}
	return true
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(p*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return s[i]
}

func printEvalTable(w io.Writer, rep evalReport) {
	rows := [][]string{{"ID", "EXPECT", "MODE", "OK", "HIT", "CITE", "MS", "ANSWER TEXT"}}
	for _, r := range rep.Results {
		text := strings.ReplaceAll(r.Answer, "\n", " ")
		if rs := []rune(text); len(rs) > 40 {
			text = string(rs[:40]) + "…"
		}
		rows = append(rows, []string{r.ID, r.Expect, r.Mode, fmt.Sprint(r.OK), fmt.Sprint(r.HitRank), fmt.Sprint(r.CitationOK), fmt.Sprintf("%.2f", r.MS), text})
	}
	printTable(w, rows)
	fmt.Fprintf(w, "\nn=%d  hit@1=%.3f  hit@5=%.3f  mrr=%.3f  answer_ok=%.3f  citation_ok=%.3f  refusal_ok=%.3f  false_refusal=%.3f  forbidden_hits=%d\n",
		rep.N, rep.HitAt1, rep.HitAt5, rep.MRR, rep.AnswerOK, rep.CitationOK, rep.RefusalOK, rep.FalseRefusal, rep.ForbiddenHits)
	fmt.Fprintf(w, "wrong_figure=%d  foreign_citations=%d  hedge_rate=%.3f  route_ok=%.3f  clarify_ok=%.3f  chat_ok=%.3f  p50=%.2fms  p95=%.2fms\n",
		rep.WrongFigure, rep.ForeignCitations, rep.HedgeRate, rep.RouteOK, rep.ClarifyOK, rep.ChatOK, rep.P50MS, rep.P95MS)
}
