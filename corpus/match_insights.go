package corpus

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"policybot/bot/convlog"
	"policybot/policies/fault"
)

// Policy matching (政策匹配) tells officials what the corpus or the form is
// missing: the profiles that matched nothing (companies the measures say
// nothing to), and the conditions most often left open (what companies
// cannot tell from the form, or what the measures do not define).

// MatchInsights summarises the matchings of a period.
type MatchInsights struct {
	// Total is how many matchings there were; NoMatch how many matched
	// nothing, not even possibly.
	Total, NoMatch int
	// Empty are the profiles that matched nothing, grouped by what they
	// said (the same summary, counted), most frequent first.
	Empty []ProfileCount
	// Unknown are the conditions most often left open, most frequent
	// first.
	Unknown []ConditionCount
}

// ProfileCount is a kind of profile and how often it was matched.
type ProfileCount struct {
	Summary string
	Count   int
	Last    time.Time
}

// ConditionCount is a condition left open and how often.
type ConditionCount struct {
	Condition string
	Count     int
}

// MaxMatchInsights bounds the matchings read for one report, and the rows
// of each list.
const (
	MaxMatchInsights   = 20000
	maxMatchInsightRow = 50
)

// MatchInsights reports the matchings since the given time; a
// fault.NotFound (CodeNoInsights) when the store keeps none.
func (s *Service) MatchInsights(ctx context.Context, since time.Time) (MatchInsights, error) {
	ml, ok := s.questions.(convlog.MatchLog)
	if !ok {
		return MatchInsights{}, refuse(fault.NotFound, CodeNoInsights, "match insights are not available: no store keeps matchings", "未配置政策匹配记录")
	}
	recs, err := ml.Matches(ctx, since, MaxMatchInsights)
	if err != nil {
		return MatchInsights{}, err
	}
	return SummarizeMatches(recs), nil
}

// SummarizeMatches counts the profiles that matched nothing and the
// conditions left open.
func SummarizeMatches(recs []convlog.MatchRecord) MatchInsights {
	out := MatchInsights{Total: len(recs), Empty: []ProfileCount{}, Unknown: []ConditionCount{}}
	empty := map[string]*ProfileCount{}
	unknown := map[string]int{}
	for _, r := range recs {
		if r.Matched+r.Possible == 0 {
			out.NoMatch++
			sum := profileSummary(r.Profile)
			pc := empty[sum]
			if pc == nil {
				pc = &ProfileCount{Summary: sum}
				empty[sum] = pc
			}
			pc.Count++
			if r.At.After(pc.Last) {
				pc.Last = r.At
			}
		}
		for _, c := range r.Unknown {
			unknown[c]++
		}
	}
	for _, pc := range empty {
		out.Empty = append(out.Empty, *pc)
	}
	sort.Slice(out.Empty, func(i, j int) bool {
		a, b := out.Empty[i], out.Empty[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Last.After(b.Last)
	})
	for c, n := range unknown {
		out.Unknown = append(out.Unknown, ConditionCount{Condition: c, Count: n})
	}
	sort.Slice(out.Unknown, func(i, j int) bool {
		a, b := out.Unknown[i], out.Unknown[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Condition < b.Condition
	})
	if len(out.Empty) > maxMatchInsightRow {
		out.Empty = out.Empty[:maxMatchInsightRow]
	}
	if len(out.Unknown) > maxMatchInsightRow {
		out.Unknown = out.Unknown[:maxMatchInsightRow]
	}
	return out
}

// profileSummary says in a line what a profile held: its region, field,
// designations, the keys of its figures, projects and events — what tells
// kinds of companies apart, not their exact figures.
func profileSummary(raw []byte) string {
	var p struct {
		Region       string                        `json:"region"`
		Category     string                        `json:"category"`
		Industry     string                        `json:"industry"`
		Traits       []string                      `json:"traits"`
		Designations []struct{ Name, Tier string } `json:"designations"`
		Figures      map[string]float64            `json:"figures"`
		Projects     []struct {
			Kinds []string `json:"kinds"`
		} `json:"projects"`
		Events []struct {
			Kind string `json:"kind"`
			Tier string `json:"tier"`
		} `json:"events"`
		OtherFigures []struct {
			Name string `json:"name"`
		} `json:"other_figures"`
	}
	if json.Unmarshal(raw, &p) != nil {
		return "（无法读取）"
	}
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	add(p.Region)
	add(p.Category)
	add(p.Industry)
	for _, t := range p.Traits {
		add(t)
	}
	for _, d := range p.Designations {
		add(d.Tier + d.Name)
	}
	var keys []string
	for k := range p.Figures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k)
	}
	for _, pr := range p.Projects {
		add("project:" + strings.Join(pr.Kinds, "+"))
	}
	for _, e := range p.Events {
		add("event:" + e.Tier + e.Kind)
	}
	for _, o := range p.OtherFigures {
		add(o.Name)
	}
	if len(parts) == 0 {
		return "（未识别到企业信息）"
	}
	return strings.Join(parts, " · ")
}
