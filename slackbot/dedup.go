package slackbot

import (
	"context"
	"sync"
	"time"
)

// MemoryDeduper is a Deduper in memory, for a single replica: with several
// replicas behind a load balancer a retry may reach another one, which
// needs a shared Deduper.
type MemoryDeduper struct {
	ttl time.Duration
	now func() time.Time

	mu        sync.Mutex
	seen      map[string]time.Time // event id → first seen
	lastSweep time.Time
}

var _ Deduper = (*MemoryDeduper)(nil)

// NewMemoryDeduper remembers event ids for ttl; Slack retries an event
// three times within about five minutes, so an hour is plenty.
func NewMemoryDeduper(ttl time.Duration) *MemoryDeduper {
	return &MemoryDeduper{ttl: ttl, now: time.Now, seen: map[string]time.Time{}}
}

// FirstSeen implements Deduper; it never fails. An empty id is always new.
func (d *MemoryDeduper) FirstSeen(_ context.Context, eventID string) (bool, error) {
	if eventID == "" {
		return true, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if now.Sub(d.lastSweep) > d.ttl {
		for id, at := range d.seen {
			if now.Sub(at) > d.ttl {
				delete(d.seen, id)
			}
		}
		d.lastSweep = now
	}
	if at, ok := d.seen[eventID]; ok && now.Sub(at) <= d.ttl {
		return false, nil
	}
	d.seen[eventID] = now
	return true, nil
}
