package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"policybot/policies"
	"policybot/policies/fault"
	"policybot/retrieval"
)

// goldenProfile is one file of testdata/match: a company's profile (or
// sentence), written by hand with what it must match, each estimate
// computed by hand from the clause (the "why" says how).
type goldenProfile struct {
	About      string           `json:"about"`
	Covers     []string         `json:"covers"`
	Profile    *Profile         `json:"profile"`
	Text       string           `json:"text"`
	Understood *json.RawMessage `json:"understood"`
	Matches    []goldenMatch    `json:"matches"`
	NotListed  []goldenMatch    `json:"not_listed"`
	Total      float64          `json:"total_yuan"`
}

type goldenMatch struct {
	Doc     string   `json:"doc"`
	Article int      `json:"article"`
	Subject string   `json:"subject"`
	Event   string   `json:"event"`
	Status  string   `json:"status"`
	Yuan    *float64 `json:"estimate_yuan"`
	Counted bool     `json:"counted"`
	Why     string   `json:"why"`
	Because string   `json:"because"`
}

func (g goldenMatch) String() string {
	s := fmt.Sprintf("%s 第%d条 %q", g.Doc, g.Article, g.Subject)
	if g.Event != "" {
		s += " (" + g.Event + ")"
	}
	return s
}

func (g goldenMatch) is(m Match) bool {
	return m.Doc == g.Doc && m.Article == g.Article && strings.Contains(m.Subject, g.Subject) && m.Event == g.Event
}

// matchAsOf is the day the golden profiles are matched on: the measures
// are in force, and the designations' years are read against it.
var matchAsOf = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func loadGoldenProfiles(tb testing.TB) map[string]goldenProfile {
	tb.Helper()
	files, err := filepath.Glob("testdata/match/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden profiles in testdata/match: %v", err)
	}
	out := map[string]goldenProfile{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var g goldenProfile
		if err := json.Unmarshal(b, &g); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = g
	}
	return out
}

// TestMatchGolden matches every golden profile: every expected clause is
// listed with its status and hand-computed estimate, nothing else is
// listed, every clause whose stated condition fails is left out (and shown
// as not matched, with the reason, in the full view), and the total is the
// hand-computed one.
func TestMatchGolden(t *testing.T) {
	b := newTestBot(t)
	for name, g := range loadGoldenProfiles(t) {
		t.Run(name, func(t *testing.T) {
			req := MatchRequest{Profile: g.Profile, Text: g.Text, AsOf: matchAsOf}
			res, err := b.Match(context.Background(), req)
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			req.Full = true
			full, err := b.Match(context.Background(), req)
			if err != nil {
				t.Fatalf("Match (full): %v", err)
			}
			if g.Understood != nil {
				checkUnderstood(t, *g.Understood, res.Understood)
			}
			used := make([]bool, len(res.Matches))
			for _, want := range g.Matches {
				found := -1
				for i, m := range res.Matches {
					if want.is(m) {
						if found >= 0 {
							t.Errorf("%v: two matches fit (%q and %q); make the subject more precise", want, res.Matches[found].Subject, m.Subject)
						}
						found = i
					}
				}
				if found < 0 {
					t.Errorf("%v not listed, want %s (%s)\n%s", want, want.Status, want.Why, listMatches(full.Matches))
					continue
				}
				used[found] = true
				m := res.Matches[found]
				if string(m.Status) != want.Status {
					t.Errorf("%v: status %s, want %s (%s); conditions %q, unmet %q", want, m.Status, want.Status, want.Why, m.Conditions, m.Unmet)
				}
				switch {
				case want.Yuan == nil && m.HasEstimate && m.EstimateUnit == "元":
					t.Errorf("%v: estimate %v元, want none (%s)", want, m.Estimate, want.Why)
				case want.Yuan != nil && (!m.HasEstimate || m.EstimateUnit != "元" || math.Abs(m.Estimate-*want.Yuan) > 0.01):
					t.Errorf("%v: estimate %v %s (has %v), want %v元 (%s); working %q", want, m.Estimate, m.EstimateUnit, m.HasEstimate, *want.Yuan, want.Why, m.Working)
				}
				if m.Counted != want.Counted {
					t.Errorf("%v: counted %v, want %v (%s); stacking %q", want, m.Counted, want.Counted, want.Why, m.StackNote)
				}
				if m.HasEstimate && m.Working == "" {
					t.Errorf("%v: an estimate without its working", want)
				}
				if m.Quote == "" || m.Department == "" || m.Deadline == "" {
					t.Errorf("%v: quote %q, department %q, deadline %q: want all three", want, m.Quote, m.Department, m.Deadline)
				}
				if m.Status == MatchPossible && len(m.Conditions) == 0 {
					t.Errorf("%v: possible without a condition to confirm", want)
				}
			}
			for i, m := range res.Matches {
				if !used[i] {
					t.Errorf("listed but not expected: %s 第%d条 %q %s (%s) conditions %q", m.Doc, m.Article, m.Subject, m.Status, m.Event, m.Conditions)
				}
				if m.Status == MatchNotMatched {
					t.Errorf("%s 第%d条 %q: not matched in the default view", m.Doc, m.Article, m.Subject)
				}
			}
			for _, nl := range g.NotListed {
				for _, m := range res.Matches {
					if nl.is(m) {
						t.Errorf("%v listed as %s, want it left out: %s", nl, m.Status, nl.Because)
					}
				}
				found := false
				for _, m := range full.Matches {
					if nl.is(m) {
						found = true
						if m.Status != MatchNotMatched || len(m.Unmet) == 0 {
							t.Errorf("%v in the full view: %s, unmet %q; want not matched with the reason (%s)", nl, m.Status, m.Unmet, nl.Because)
						}
					}
				}
				if !found {
					t.Errorf("%v not in the full view; want it as not matched (%s)", nl, nl.Because)
				}
			}
			if math.Abs(res.Total-g.Total) > 0.01 {
				t.Errorf("total %v元, want %v元\n%s", res.Total, g.Total, listMatches(res.Matches))
			}
			if !strings.Contains(res.TotalNote, TotalLabel) {
				t.Errorf("total note %q does not say it is an estimate subject to review", res.TotalNote)
			}
		})
	}
}

func listMatches(ms []Match) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "\t%s 第%d条 %s %q [%s] est=%v%s counted=%v cond=%q unmet=%q work=%q\n", m.Doc, m.Article, m.Status, m.Subject, m.Event,
			m.Estimate, m.EstimateUnit, m.Counted, m.Conditions, m.Unmet, m.Working)
	}
	return b.String()
}

// checkUnderstood compares the fields a golden file gives with the profile
// read from its sentence.
func checkUnderstood(t *testing.T, raw json.RawMessage, got Profile) {
	t.Helper()
	var want map[string]json.RawMessage
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	var have map[string]json.RawMessage
	json.Unmarshal(g, &have)
	for k, w := range want {
		var wv, hv any
		json.Unmarshal(w, &wv)
		if h, ok := have[k]; ok {
			json.Unmarshal(h, &hv)
		} else {
			hv = ""
		}
		if wm, ok := wv.(map[string]any); ok {
			hm, _ := hv.(map[string]any)
			for kk, v := range wm {
				if fmt.Sprint(hm[kk]) != fmt.Sprint(v) {
					t.Errorf("understood %s.%s = %v, want %v (understood: %s)", k, kk, hm[kk], v, g)
				}
			}
			continue
		}
		if fmt.Sprint(hv) != fmt.Sprint(wv) {
			t.Errorf("understood %s = %v, want %v (understood: %s)", k, hv, wv, g)
		}
	}
}

// TestGoldenProfilesCover checks that the golden profiles are enough: at
// least 20, each category of measure and each stacking rule.
func TestGoldenProfilesCover(t *testing.T) {
	gs := loadGoldenProfiles(t)
	if len(gs) < 20 {
		t.Errorf("%d golden profiles, want at least 20", len(gs))
	}
	covered := map[string]bool{}
	for _, g := range gs {
		for _, c := range g.Covers {
			covered[c] = true
		}
		if g.Profile == nil && g.Text == "" {
			t.Errorf("%q has neither a profile nor a text", g.About)
		}
	}
	for _, want := range []string{"manufacturing", "commerce", "culture-sports-tourism", "不重复享受", "就高不重复", "补足差额", "text"} {
		if !covered[want] {
			t.Errorf("no golden profile covers %q", want)
		}
	}
}

func TestMatchInvalid(t *testing.T) {
	b := newTestBot(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  MatchRequest
		want string
	}{
		{"empty", MatchRequest{}, "请填写企业情况"},
		{"unknown figure", MatchRequest{Profile: &Profile{Figures: map[string]float64{"profit": 1}}}, "profit"},
		{"negative", MatchRequest{Profile: &Profile{Figures: map[string]float64{"revenue_yuan": -5}}}, "revenue_yuan"},
		{"NaN", MatchRequest{Profile: &Profile{Figures: map[string]float64{"revenue_yuan": math.NaN()}}}, "revenue_yuan"},
		{"unknown region", MatchRequest{Profile: &Profile{Region: "火星区"}}, "火星区"},
		{"unknown tier", MatchRequest{Profile: &Profile{Designations: []Designation{{Name: "专精特新", Tier: "宇宙级"}}}}, "宇宙级"},
		{"project kind", MatchRequest{Profile: &Profile{Projects: []Project{{Kinds: []string{"land"}, AmountYuan: 1}}}}, "land"},
		{"event kind", MatchRequest{Profile: &Profile{Events: []Event{{Kind: "party"}}}}, "party"},
		{"too long", MatchRequest{Text: strings.Repeat("营收", 1500)}, "2000"},
		{"too many", MatchRequest{Profile: &Profile{Traits: slices.Repeat([]string{"x"}, 51)}}, "51"},
		{"category", MatchRequest{Profile: &Profile{Category: "mining"}}, "mining"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Match(ctx, tc.req)
			if fault.CodeOf(err) != CodeBadProfile || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Match = %v, want a %q refusal naming %q", err, CodeBadProfile, tc.want)
			}
		})
	}
}

// TestMatchFollowsIndexUpdates: a measure added to the index after a
// first match is matched at once (the catalogue is rebuilt when the index
// changes), and one retired is no longer.
func TestMatchFollowsIndexUpdates(t *testing.T) {
	c, err := policies.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ix, err := retrieval.Open(ctx, c.Docs, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	b, err := New(Config{Index: retrieval.NewLive(ix), HomeRegion: "吴中区", Now: func() time.Time { return matchAsOf }})
	if err != nil {
		t.Fatal(err)
	}
	p := &Profile{Designations: []Designation{{Name: "工业互联网标杆工厂", Tier: "省级", New: boolPtr(true)}}}
	res, err := b.Match(ctx, MatchRequest{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 0 {
		t.Fatalf("before the new measure: %s", listMatches(res.Matches))
	}
	// A measure of the kind officials upload, in none of the bundled
	// corpus's wording (the web tests upload it too).
	md, err := os.ReadFile("../testdata/measures/wz-digital-2026.md")
	if err != nil {
		t.Fatal(err)
	}
	doc, findings := policies.ParseFile("new.md", md)
	for _, f := range findings {
		if f.Severity == policies.Error {
			t.Fatalf("new measure: %s", f)
		}
	}
	if err := ix.Update(ctx, append(slices.Clone(c.Docs), doc)); err != nil {
		t.Fatal(err)
	}
	res, err = b.Match(ctx, MatchRequest{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 1 || res.Matches[0].Doc != "wz-digital-2026" || res.Total != 500000 {
		t.Fatalf("after the new measure: total %v\n%s", res.Total, listMatches(res.Matches))
	}
}

// TestAskForTheList: in chat, "能申请哪些政策" gets the match list when the
// company has described itself (in the message or earlier in the
// conversation), a request for its situation when it has not, and the
// ordinary answer when the question has a topic of its own.
func TestAskForTheList(t *testing.T) {
	b := newTestBot(t)
	a := ask(t, b, "", "我能申请哪些政策？")
	if a.Mode != ModeClarify || len(a.Citations) != 0 || len(a.Choices) != 1 || a.Choices[0].Message != matchExample {
		t.Errorf("no situation: mode %s, %d citations, choices %v; want clarify offering the example", a.Mode, len(a.Citations), a.Choices)
	}
	a = ask(t, b, "", matchExample)
	if a.Mode != ModeAnswer || len(a.Citations) != 3 || a.Citations[0].Doc != "wz-mfg-2025" || a.Citations[0].Article != 6 {
		t.Fatalf("described: mode %s, citations %+v; want the three matches, 第6条 first", a.Mode, a.Citations)
	}
	for _, want := range []string{"测算20万元", "300万元", "待确认", TotalLabel, "合计20万元"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("described: %q lacks %q", a.Text, want)
		}
	}
	ask(t, b, "conv-list", "我们景区今年刚评上4A，另有一家甲级民宿是今年新评定的")
	a = ask(t, b, "conv-list", "那我们能申请哪些政策")
	if a.Mode != ModeAnswer || len(a.Citations) != 2 || !strings.Contains(a.Text, "合计130万元") {
		t.Errorf("from the conversation: mode %s, %d citations, %q; want 4A (100万) and 甲级民宿 (30万)", a.Mode, len(a.Citations), a.Text)
	}
	a = ask(t, b, "", "搞直播电商的公司在吴中有啥政策可以申请？")
	if a.Mode != ModeAnswer || len(a.Citations) == 0 || a.Citations[0].Article != 13 {
		t.Errorf("a topic of its own: mode %s, citations %+v; want the ordinary answer from 第13条", a.Mode, a.Citations)
	}
}
