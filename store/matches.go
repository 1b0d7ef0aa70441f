package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"policybot/bot/convlog"
)

var (
	_ convlog.MatchLog = (*SQLite)(nil)
	_ convlog.MatchLog = (*Postgres)(nil)
)

// SaveMatch implements convlog.MatchLog: one matching, for the insights.
func (q *queries) SaveMatch(ctx context.Context, r convlog.MatchRecord) error {
	err := q.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO matches (id, profile, matched, possible, unknown, total_yuan, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, string(r.Profile), r.Matched, r.Possible, strings.Join(r.Unknown, "\n"), r.TotalYuan, r.At.UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("save match %s: %w", r.ID, err)
	}
	return nil
}

// Matches implements convlog.MatchLog: the matchings since the given time
// (the latest ones when there are more than limit), oldest first.
func (q *queries) Matches(ctx context.Context, since time.Time, limit int) ([]convlog.MatchRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := q.r.QueryContext(ctx, `SELECT id, profile, matched, possible, unknown, total_yuan, created_at
FROM matches WHERE created_at >= $1 ORDER BY created_at DESC, id DESC LIMIT $2`, since.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("matches: %w", err)
	}
	defer rows.Close()
	var out []convlog.MatchRecord
	for rows.Next() {
		var r convlog.MatchRecord
		var profile, unknown string
		if err := rows.Scan(&r.ID, &profile, &r.Matched, &r.Possible, &unknown, &r.TotalYuan, &r.At); err != nil {
			return nil, fmt.Errorf("matches: %w", err)
		}
		r.Profile = []byte(profile)
		if unknown != "" {
			r.Unknown = strings.Split(unknown, "\n")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("matches: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}
