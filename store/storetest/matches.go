package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"policybot/bot/convlog"
)

// RunMatchLog runs the suite of convlog.MatchLog; open returns a new, empty
// store and arranges its closing.
func RunMatchLog(t *testing.T, open func(t *testing.T) convlog.MatchLog) {
	t.Run("RoundTrip", func(t *testing.T) { testMatchRoundTrip(t, open(t)) })
	t.Run("Limit", func(t *testing.T) { testMatchLimit(t, open(t)) })
}

func testMatchRoundTrip(t *testing.T, s convlog.MatchLog) {
	ctx := context.Background()
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	recs := []convlog.MatchRecord{
		{ID: "m1", Profile: []byte(`{"region":"吴中区","category":"manufacturing"}`), Matched: 0, Possible: 0, At: base},
		{ID: "m2", Profile: []byte(`{"category":"commerce","figures":{"booth_fee_yuan":300000}}`), Matched: 1, Possible: 1,
			Unknown: []string{"是否属于：新引进或增资扩产的重大制造业项目？", "展位费是多少？"}, TotalYuan: 210000, At: base.Add(time.Hour)},
	}
	for _, r := range recs {
		if err := s.SaveMatch(ctx, r); err != nil {
			t.Fatalf("SaveMatch(%s): %v", r.ID, err)
		}
	}
	if err := s.SaveMatch(ctx, recs[0]); err == nil {
		t.Error("SaveMatch of an id twice succeeded")
	}
	got, err := s.Matches(ctx, base.Add(-time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "m1" || got[1].ID != "m2" || string(got[1].Profile) != string(recs[1].Profile) ||
		!slices.Equal(got[1].Unknown, recs[1].Unknown) || got[1].TotalYuan != 210000 || got[1].Matched != 1 || !got[1].At.Equal(recs[1].At) ||
		got[0].Unknown != nil {
		t.Errorf("Matches = %+v, want both records back, oldest first", got)
	}
	if got, _ := s.Matches(ctx, base.Add(30*time.Minute), 10); len(got) != 1 || got[0].ID != "m2" {
		t.Errorf("Matches since 10:30 = %+v, want m2 only", got)
	}
}

func testMatchLimit(t *testing.T, s convlog.MatchLog) {
	ctx := context.Background()
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := s.SaveMatch(ctx, convlog.MatchRecord{ID: fmt.Sprintf("m%d", i), Profile: []byte(`{}`), At: base.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Matches(ctx, base, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "m3" || got[1].ID != "m4" {
		t.Errorf("Matches limit 2 = %+v, want the latest two, oldest first", got)
	}
}
