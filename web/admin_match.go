package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"policybot/corpus"
)

// matchInsighter is what the match insights need of the corpus service;
// *corpus.Service has it.
type matchInsighter interface {
	// MatchInsights returns an error wrapping corpus.ErrNotFound when no
	// store keeps matchings.
	MatchInsights(ctx context.Context, since time.Time) (corpus.MatchInsights, error)
}

var _ matchInsighter = (*corpus.Service)(nil)

// insightDays reads ?days=N of an insights request: 30 when absent.
func insightDays(r *http.Request) (int, error) {
	s := r.URL.Query().Get("days")
	if s == "" {
		return 30, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 3660 {
		return 0, errInvalid("days must be between 1 and 3660.", "days 应在 1 到 3660 之间。")
	}
	return n, nil
}

type profileCountJSON struct {
	Profile string `json:"profile"`
	Count   int    `json:"count"`
	LastAt  string `json:"last_at"`
}

type conditionCountJSON struct {
	Condition string `json:"condition"`
	Count     int    `json:"count"`
}

// handleMatchInsights answers GET /admin/api/insights/matches[?days=N]:
// of the policy matchings of the last N days (default 30), how many
// matched nothing, the profiles that did (grouped by what they said, most
// frequent first) and the conditions most often left open.
func (a *admin) handleMatchInsights() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		days, err := insightDays(r)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		mi, ok := a.corpus.(matchInsighter)
		if !ok {
			a.writeErr(w, r, &apiError{code: codeNotFound, en: "Match insights are not available.", zh: "政策匹配分析不可用。"})
			return
		}
		now := a.now()
		since := now.AddDate(0, 0, -days)
		ins, err := mi.MatchInsights(r.Context(), since)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		empty := make([]profileCountJSON, 0, len(ins.Empty))
		for _, p := range ins.Empty {
			empty = append(empty, profileCountJSON{Profile: p.Summary, Count: p.Count, LastAt: stamp(p.Last)})
		}
		unknown := make([]conditionCountJSON, 0, len(ins.Unknown))
		for _, c := range ins.Unknown {
			unknown = append(unknown, conditionCountJSON{Condition: c.Condition, Count: c.Count})
		}
		writeJSON(w, http.StatusOK, map[string]any{"days": days, "since": stamp(since), "matchings": ins.Total,
			"no_match": ins.NoMatch, "empty_profiles": empty, "unknown_conditions": unknown})
	})
}
