package store

import (
	"context"
	"fmt"
	"time"
)

// Slack events are remembered for slackEventsKept: Slack retries an event
// three times within about five minutes.
const (
	slackEventsKept  = 24 * time.Hour
	slackEventsSweep = 10 * time.Minute
)

// FirstSeen reports whether no replica has taken the Slack event eventID
// yet, and records it as taken: of the replicas that receive the same
// event (Slack's retries), exactly one gets true. It implements
// slackbot.Deduper. An empty id is always new. Errors are the database's;
// the caller then cannot know, and answers.
func (p *Postgres) FirstSeen(ctx context.Context, eventID string) (bool, error) {
	if eventID == "" {
		return true, nil
	}
	now := p.now().UTC()
	res, err := p.db.ExecContext(ctx, `INSERT INTO slack_events (event_id, seen_at) VALUES ($1, $2)
ON CONFLICT (event_id) DO NOTHING`, eventID, now)
	if err != nil {
		return false, fmt.Errorf("slack event %s: %w", eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("slack event %s: %w", eventID, err)
	}
	p.sweepSlackEvents(ctx, now)
	return n == 1, nil
}

// sweepSlackEvents forgets old event ids, at most every slackEventsSweep
// per replica. A failed sweep is tried again at the next event.
func (p *Postgres) sweepSlackEvents(ctx context.Context, now time.Time) {
	p.sweepMu.Lock()
	due := now.Sub(p.lastSweep) >= slackEventsSweep
	if due {
		p.lastSweep = now
	}
	p.sweepMu.Unlock()
	if !due {
		return
	}
	if _, err := p.db.ExecContext(ctx, `DELETE FROM slack_events WHERE seen_at < $1`, now.Add(-slackEventsKept)); err != nil {
		p.sweepMu.Lock()
		p.lastSweep = time.Time{}
		p.sweepMu.Unlock()
	}
}
