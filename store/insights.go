package store

import (
	"context"
	"fmt"
	"policybot/bot/convlog"
	"slices"
	"time"
)

var _ convlog.QuestionSource = (*SQLite)(nil)

// UnansweredQuestions implements convlog.QuestionSource: the messages since
// the given time that were refused or whose latest rating is down (the
// latest ones when there are more than limit).
func (q *queries) UnansweredQuestions(ctx context.Context, since time.Time, limit int) ([]convlog.Question, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := q.r.QueryContext(ctx, `SELECT id, question, refused, created_at, rating, comment FROM (
    SELECT m.id, m.question, m.refused, m.created_at,
        COALESCE((SELECT f.rating FROM feedback f WHERE f.message_id = m.id ORDER BY f.id DESC LIMIT 1), '') AS rating,
        COALESCE((SELECT f.comment FROM feedback f WHERE f.message_id = m.id ORDER BY f.id DESC LIMIT 1), '') AS comment
    FROM messages m
    WHERE m.created_at >= $1
) x
WHERE refused OR rating = 'down'
ORDER BY created_at DESC, id DESC
LIMIT $2`, since.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("unanswered questions: %w", err)
	}
	defer rows.Close()
	var out []convlog.Question
	for rows.Next() {
		var qu convlog.Question
		var rating string
		if err := rows.Scan(&qu.MessageID, &qu.Text, &qu.Refused, &qu.At, &rating, &qu.Comment); err != nil {
			return nil, fmt.Errorf("unanswered questions: %w", err)
		}
		qu.Down = rating == "down"
		if !qu.Down {
			qu.Comment = ""
		}
		out = append(out, qu)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unanswered questions: %w", err)
	}
	// Read newest first so that the limit keeps the latest; return oldest first.
	slices.Reverse(out)
	return out, nil
}
