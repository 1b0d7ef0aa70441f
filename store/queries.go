package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"policybot/bot/convlog"
	"policybot/policies/fault"
)

// queries is the part of a store that is plain SQL, shared by every
// database: parameters are $N and nothing depends on the dialect. Reads go
// to r and writes to w, which are the same pool on a server database and
// two pools on SQLite (one writer, several readers).
type queries struct {
	r, w *sql.DB
	now  func() time.Time
	// write runs fn in a write transaction: inTx on a server database; on
	// SQLite it joins a group commit.
	write func(ctx context.Context, fn func(*sql.Tx) error) error
	st    statements
}

// statements are prepared once: parsing SQL costs more than running these.
type statements struct {
	recent, message, citations, feedback, messageExists *sql.Stmt // on r (messageExists on w)

	upsertConversation, insertTurn, insertMessage, insertCitation, insertFeedback *sql.Stmt // on w
}

func (q *queries) prepare(ctx context.Context) error {
	for _, p := range []struct {
		db  *sql.DB
		sql string
		to  **sql.Stmt
	}{
		{q.r, `SELECT question, resolved, doc, article, refused, created_at
FROM turns WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2`, &q.st.recent},
		{q.r, `SELECT conversation_id, channel, question, answer, refused, notice, generated, replaced, latency_us, created_at
FROM messages WHERE id = $1`, &q.st.message},
		{q.r, `SELECT doc, article, label, title, department, quote, sample
FROM citations WHERE message_id = $1 ORDER BY position`, &q.st.citations},
		{q.r, `SELECT rating, comment, created_at FROM feedback
WHERE message_id = $1 ORDER BY id DESC LIMIT 1`, &q.st.feedback},
		{q.w, `SELECT 1 FROM messages WHERE id = $1`, &q.st.messageExists},
		{q.w, `INSERT INTO conversations (id, created_at, updated_at) VALUES ($1, $2, $2)
ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`, &q.st.upsertConversation},
		{q.w, `INSERT INTO turns (conversation_id, question, resolved, doc, article, refused, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, &q.st.insertTurn},
		{q.w, `INSERT INTO messages
(id, conversation_id, channel, question, answer, refused, notice, generated, replaced, latency_us, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, &q.st.insertMessage},
		{q.w, `INSERT INTO citations
(message_id, position, doc, article, label, title, department, quote, sample)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, &q.st.insertCitation},
		{q.w, `INSERT INTO feedback (message_id, rating, comment, created_at) VALUES ($1, $2, $3, $4)`, &q.st.insertFeedback},
	} {
		st, err := p.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
		*p.to = st
	}
	return nil
}

// exec runs a prepared write statement inside tx.
func exec(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args ...any) error {
	_, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	return err
}

func (q *queries) stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = q.now()
	}
	return t.UTC()
}

// Recent implements convlog.Conversations.
func (q *queries) Recent(ctx context.Context, id string, n int) ([]convlog.Turn, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := q.st.recent.QueryContext(ctx, id, n)
	if err != nil {
		return nil, fmt.Errorf("recent turns of %s: %w", id, err)
	}
	defer rows.Close()
	var turns []convlog.Turn
	for rows.Next() {
		var t convlog.Turn
		if err := rows.Scan(&t.Question, &t.Resolved, &t.Doc, &t.Article, &t.Refused, &t.At); err != nil {
			return nil, fmt.Errorf("recent turns of %s: %w", id, err)
		}
		turns = append(turns, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent turns of %s: %w", id, err)
	}
	for i, j := 0, len(turns)-1; i < j; i, j = i+1, j-1 {
		turns[i], turns[j] = turns[j], turns[i]
	}
	return turns, nil
}

// Append implements convlog.Conversations.
func (q *queries) Append(ctx context.Context, id string, t convlog.Turn) error {
	at := q.stamp(t.At)
	err := q.write(ctx, func(tx *sql.Tx) error {
		if err := exec(ctx, tx, q.st.upsertConversation, id, at); err != nil {
			return err
		}
		return exec(ctx, tx, q.st.insertTurn, id, t.Question, t.Resolved, t.Doc, t.Article, t.Refused, at)
	})
	if err != nil {
		return fmt.Errorf("append turn to %s: %w", id, err)
	}
	return nil
}

// SaveMessage implements convlog.Store.
func (q *queries) SaveMessage(ctx context.Context, m convlog.Message) error {
	if m.ID == "" || m.ConversationID == "" {
		return errors.New("save message: no id or conversation id")
	}
	at := q.stamp(m.CreatedAt)
	err := q.write(ctx, func(tx *sql.Tx) error {
		if err := exec(ctx, tx, q.st.upsertConversation, m.ConversationID, at); err != nil {
			return err
		}
		if err := exec(ctx, tx, q.st.insertMessage, m.ID, m.ConversationID, m.Channel, m.Question, m.Answer,
			m.Refused, m.Notice, m.Generated, m.Replaced, m.Latency.Microseconds(), at); err != nil {
			return err
		}
		for i, c := range m.Citations {
			if err := exec(ctx, tx, q.st.insertCitation, m.ID, i, c.Doc, c.Article, c.Label, c.Title, c.Department, c.Quote, c.Sample); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save message %s: %w", m.ID, err)
	}
	return nil
}

// Message implements convlog.Store.
func (q *queries) Message(ctx context.Context, id string) (convlog.Message, error) {
	m := convlog.Message{ID: id}
	var latency int64
	err := q.st.message.QueryRowContext(ctx, id).Scan(&m.ConversationID, &m.Channel, &m.Question, &m.Answer, &m.Refused,
		&m.Notice, &m.Generated, &m.Replaced, &latency, &m.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return convlog.Message{}, fmt.Errorf("message %s: %w", id, fault.NotFound)
	}
	if err != nil {
		return convlog.Message{}, fmt.Errorf("message %s: %w", id, err)
	}
	m.Latency = time.Duration(latency) * time.Microsecond
	rows, err := q.st.citations.QueryContext(ctx, id)
	if err != nil {
		return convlog.Message{}, fmt.Errorf("citations of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c convlog.Citation
		if err := rows.Scan(&c.Doc, &c.Article, &c.Label, &c.Title, &c.Department, &c.Quote, &c.Sample); err != nil {
			return convlog.Message{}, fmt.Errorf("citations of %s: %w", id, err)
		}
		m.Citations = append(m.Citations, c)
	}
	if err := rows.Err(); err != nil {
		return convlog.Message{}, fmt.Errorf("citations of %s: %w", id, err)
	}
	f := convlog.Feedback{MessageID: id}
	err = q.st.feedback.QueryRowContext(ctx, id).Scan(&f.Rating, &f.Comment, &f.CreatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return convlog.Message{}, fmt.Errorf("feedback on %s: %w", id, err)
	default:
		m.Feedback = &f
	}
	return m, nil
}

// SaveFeedback implements convlog.Store.
func (q *queries) SaveFeedback(ctx context.Context, f convlog.Feedback) error {
	f, err := f.Check()
	if err != nil {
		return fmt.Errorf("feedback on %s: %w", f.MessageID, err)
	}
	err = q.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.StmtContext(ctx, q.st.messageExists).QueryRowContext(ctx, f.MessageID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return convlog.NoSuchMessage(f.MessageID)
		}
		if err != nil {
			return err
		}
		return exec(ctx, tx, q.st.insertFeedback, f.MessageID, f.Rating, f.Comment, q.stamp(f.CreatedAt))
	})
	if err != nil {
		return fmt.Errorf("feedback on %s: %w", f.MessageID, err)
	}
	return nil
}
