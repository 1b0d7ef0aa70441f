package corpus

import (
	"testing"
	"time"

	"policybot/bot/convlog"
)

func TestSummarizeMatches(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 5, 1, h, 0, 0, 0, time.UTC) }
	recs := []convlog.MatchRecord{
		{Profile: []byte(`{"region":"相城区","category":"manufacturing"}`), At: at(1)},
		{Profile: []byte(`{"category":"other","other_figures":[{"name":"研发费用","value":1,"unit":"元"}]}`), At: at(2)},
		{Profile: []byte(`{"region":"相城区","category":"manufacturing"}`), At: at(3)},
		{Profile: []byte(`{"category":"manufacturing"}`), Matched: 1, Possible: 1, Unknown: []string{"b？", "a？"}, At: at(4)},
		{Profile: []byte(`not json`), Possible: 1, Unknown: []string{"b？"}, At: at(5)},
	}
	got := SummarizeMatches(recs)
	if got.Total != 5 || got.NoMatch != 3 {
		t.Errorf("Total, NoMatch = %d, %d; want 5, 3", got.Total, got.NoMatch)
	}
	if len(got.Empty) != 2 || got.Empty[0].Summary != "相城区 · manufacturing" || got.Empty[0].Count != 2 || !got.Empty[0].Last.Equal(at(3)) ||
		got.Empty[1].Summary != "other · 研发费用" {
		t.Errorf("Empty = %+v; want 相城区 manufacturing twice (last at 3:00), then other with 研发费用", got.Empty)
	}
	if len(got.Unknown) != 2 || got.Unknown[0] != (ConditionCount{"b？", 2}) || got.Unknown[1] != (ConditionCount{"a？", 1}) {
		t.Errorf("Unknown = %+v; want b？ twice, then a？", got.Unknown)
	}
}
