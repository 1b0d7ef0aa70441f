package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"policybot/bot"
	"policybot/bot/convlog"
)

// Matcher matches a company's profile against the measures; *bot.Bot
// satisfies it.
type Matcher interface {
	// Match refuses a profile it cannot take with a fault.Invalid (code
	// bot.CodeBadProfile) whose message says which part, in both languages.
	Match(ctx context.Context, req bot.MatchRequest) (bot.MatchResult, error)
}

var _ Matcher = (*bot.Bot)(nil)

// MatchRecorder keeps what companies matched, for the officials' insights
// (profiles that matched nothing, the conditions most often left open).
// The store implements it (convlog.MatchLog); a failure is logged, never
// shown.
type MatchRecorder interface {
	SaveMatch(ctx context.Context, r convlog.MatchRecord) error
}

// maxMatchBody bounds POST /api/match: a profile with every list full fits
// many times over.
const maxMatchBody = 128 << 10

type matchRequest struct {
	Profile *bot.Profile `json:"profile"`
	Text    string       `json:"text"`
	// Full lists the clauses a fact of the profile fails too.
	Full bool `json:"full"`
}

// matchJSON is one match as the API returns it.
type matchJSON struct {
	Doc     string          `json:"doc"`
	Title   string          `json:"title"`
	Article int             `json:"article"`
	Label   string          `json:"label"`
	Status  bot.MatchStatus `json:"status"`
	Subject string          `json:"subject"`
	Event   string          `json:"event,omitempty"`
	// EstimateYuan is null when there is no estimate in yuan; Estimate
	// carries one in another currency (a share of a dollar figure).
	EstimateYuan *float64      `json:"estimate_yuan"`
	Estimate     *estimateJSON `json:"estimate,omitempty"`
	Working      string        `json:"working"`
	Counted      bool          `json:"counted"`
	Stacking     string        `json:"stacking,omitempty"`
	Conditions   []string      `json:"conditions"`
	Unmet        []string      `json:"unmet,omitempty"`
	Department   string        `json:"department"`
	Deadline     string        `json:"deadline"`
	URL          string        `json:"url"`
	Quote        string        `json:"quote"`
}

type estimateJSON struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type matchResponse struct {
	Understood           bot.Profile `json:"understood"`
	Region               string      `json:"region"`
	Matches              []matchJSON `json:"matches"`
	TotalEstimateYuan    float64     `json:"total_estimate_yuan"`
	TotalNote            string      `json:"total_note"`
	PossibleEstimateYuan float64     `json:"possible_estimate_yuan"`
	Notes                []string    `json:"notes"`
	Notice               string      `json:"notice,omitempty"`
}

// MatchJSON is a match result as POST /api/match returns it, with
// citation links under base (the public URL; "" for relative links): the
// CLI's match --json prints the same.
func MatchJSON(base string, res bot.MatchResult) any { return matchResponseOf(base, res) }

func matchResponseOf(base string, res bot.MatchResult) matchResponse {
	out := matchResponse{Understood: res.Understood, Region: res.Region, Matches: make([]matchJSON, 0, len(res.Matches)),
		TotalEstimateYuan: res.Total, TotalNote: res.TotalNote, PossibleEstimateYuan: res.Possible, Notes: res.Notes}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	if res.Sample {
		out.Notice = bot.SampleNotice
	}
	for _, m := range res.Matches {
		j := matchJSON{Doc: m.Doc, Title: m.Title, Article: m.Article, Label: m.Label, Status: m.Status, Subject: m.Subject,
			Event: m.Event, Working: m.Working, Counted: m.Counted, Stacking: m.StackNote, Conditions: m.Conditions, Unmet: m.Unmet,
			Department: m.Department, Deadline: m.Deadline, URL: articleURL(base, m.Doc, m.Article), Quote: m.Quote}
		if j.Conditions == nil {
			j.Conditions = []string{}
		}
		switch {
		case m.HasEstimate && m.EstimateUnit == "元":
			v := m.Estimate
			j.EstimateYuan = &v
		case m.HasEstimate:
			j.Estimate = &estimateJSON{Value: m.Estimate, Unit: m.EstimateUnit}
		}
		out.Matches = append(out.Matches, j)
	}
	return out
}

// handleMatch answers POST /api/match: {"profile": {...}} or {"text":
// "..."} (or both) → what was understood, the matches and the total.
func handleMatch(m Matcher, rec MatchRecorder, base baseURL, log *slog.Logger, now func() time.Time, newID func() string, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req matchRequest
		if err := decodeJSON(w, r, maxMatchBody, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		res, err := m.Match(ctx, bot.MatchRequest{Profile: req.Profile, Text: req.Text, Full: req.Full})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if rec != nil {
			recordMatch(ctx, rec, log, res, now, newID)
		}
		writeJSON(w, http.StatusOK, matchResponseOf(base(r), res))
	})
}

// recordMatch keeps the matching for the insights, without the company's
// free text; a failure is logged.
func recordMatch(ctx context.Context, rec MatchRecorder, log *slog.Logger, res bot.MatchResult, now func() time.Time, newID func() string) {
	p := res.Understood
	p.Text = ""
	b, err := marshal(p)
	if err != nil {
		return
	}
	r := convlog.MatchRecord{ID: newID(), Profile: b, Unknown: res.Unknown, TotalYuan: res.Total, At: now()}
	for _, m := range res.Matches {
		switch m.Status {
		case bot.MatchMatched:
			r.Matched++
		case bot.MatchPossible:
			r.Possible++
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := rec.SaveMatch(sctx, r); err != nil {
		log.Warn("match not recorded", "err", err)
	}
}
