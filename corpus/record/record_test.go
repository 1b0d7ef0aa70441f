package record

import (
	"testing"
	"time"
)

func TestLiveAt(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v             Version
		live, current bool
	}{
		{Version{Status: Draft}, false, false},
		{Version{Status: Published}, true, true},
		{Version{Status: Retired, RetiredFrom: now.Add(time.Hour)}, true, true},
		{Version{Status: Retired, RetiredFrom: now}, false, true},
		{Version{Status: Superseded}, false, false},
	} {
		if got := tc.v.LiveAt(now); got != tc.live {
			t.Errorf("%s retired from %v: LiveAt = %v, want %v", tc.v.Status, tc.v.RetiredFrom, got, tc.live)
		}
		if got := tc.v.Current(); got != tc.current {
			t.Errorf("%s: Current = %v, want %v", tc.v.Status, got, tc.current)
		}
		if !tc.v.Status.Valid() {
			t.Errorf("%s is not Valid", tc.v.Status)
		}
	}
	if Status("live").Valid() {
		t.Error(`Status("live").Valid() = true`)
	}
}
