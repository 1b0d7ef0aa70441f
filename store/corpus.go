package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"policybot/corpus/record"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

// The corpus store: the documents' versions and the audit log
// (migrations/0002_corpus.sql). Plain SQL shared by every database, like
// queries.go; corpus writes are rare, so nothing is prepared.

var _ record.Store = (*SQLite)(nil)

const versionColumns = `doc_id, version, status, title, markdown, source_name, source_type, source_sha256, source_size,
warnings, warnings_zh, based_on, created_by, created_at, published_at, retired_from`

// Load implements record.Store.
func (q *queries) Load(ctx context.Context) (int64, []record.Version, error) {
	// One snapshot for the generation and the versions: repeatable read
	// on PostgreSQL (its default, read committed, would let a commit in
	// between show); SQLite's read transactions are snapshots anyway.
	tx, err := q.r.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return 0, nil, fmt.Errorf("load corpus: %w", err)
	}
	// Read-only: nothing to commit.
	defer tx.Rollback()
	var gen int64
	if err := tx.QueryRowContext(ctx, `SELECT generation FROM corpus_state WHERE id = 1`).Scan(&gen); err != nil {
		return 0, nil, fmt.Errorf("load corpus: generation: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+versionColumns+` FROM corpus_versions ORDER BY doc_id, version`)
	if err != nil {
		return 0, nil, fmt.Errorf("load corpus: %w", err)
	}
	defer rows.Close()
	var out []record.Version
	for rows.Next() {
		var v record.Version
		var md, warnings, warningsZh, status string
		var published, retired sql.NullTime
		if err := rows.Scan(&v.DocID, &v.N, &status, &v.Title, &md, &v.Source.Name, &v.Source.Type, &v.Source.SHA256,
			&v.Source.Size, &warnings, &warningsZh, &v.BasedOn, &v.CreatedBy, &v.CreatedAt, &published, &retired); err != nil {
			return 0, nil, fmt.Errorf("load corpus: %w", err)
		}
		v.Status = record.Status(status)
		v.Markdown = []byte(md)
		v.Warnings = splitTexts(warnings, warningsZh)
		if published.Valid {
			v.PublishedAt = published.Time
		}
		if retired.Valid {
			v.RetiredFrom = retired.Time
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("load corpus: %w", err)
	}
	return gen, out, nil
}

// Generation implements record.Store.
func (q *queries) Generation(ctx context.Context) (int64, error) {
	var gen int64
	if err := q.r.QueryRowContext(ctx, `SELECT generation FROM corpus_state WHERE id = 1`).Scan(&gen); err != nil {
		return 0, fmt.Errorf("corpus generation: %w", err)
	}
	return gen, nil
}

// Commit implements record.Store.
func (q *queries) Commit(ctx context.Context, c record.Change) (int64, error) {
	for _, v := range append(append([]record.Version(nil), c.Add...), c.Update...) {
		if !v.Status.Valid() {
			return 0, fmt.Errorf("commit corpus change: version %d of %s has status %q", v.N, v.DocID, v.Status)
		}
	}
	err := q.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE corpus_state SET generation = generation + 1 WHERE id = 1 AND generation = $1`, c.Base)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("generation %d is not the current one: %w", c.Base, fault.Conflict)
		}
		for _, v := range c.Add {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM corpus_versions WHERE doc_id = $1 AND version = $2`, v.DocID, v.N).Scan(&one)
			if err == nil {
				return fmt.Errorf("version %d of %s exists already: %w", v.N, v.DocID, fault.Conflict)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			en, zh := joinTexts(v.Warnings)
			if _, err := tx.ExecContext(ctx, `INSERT INTO corpus_versions (`+versionColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				v.DocID, v.N, string(v.Status), v.Title, string(v.Markdown), v.Source.Name, v.Source.Type, v.Source.SHA256,
				v.Source.Size, en, zh, v.BasedOn, v.CreatedBy, q.stamp(v.CreatedAt),
				nullTime(v.PublishedAt), nullTime(v.RetiredFrom)); err != nil {
				return fmt.Errorf("add version %d of %s: %w", v.N, v.DocID, err)
			}
		}
		for _, v := range c.Update {
			res, err := tx.ExecContext(ctx, `UPDATE corpus_versions SET status = $1, published_at = $2, retired_from = $3
WHERE doc_id = $4 AND version = $5`, string(v.Status), nullTime(v.PublishedAt), nullTime(v.RetiredFrom), v.DocID, v.N)
			if err != nil {
				return fmt.Errorf("update version %d of %s: %w", v.N, v.DocID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return fmt.Errorf("version %d of %s: %w", v.N, v.DocID, fault.NotFound)
			}
		}
		for _, a := range c.Audit {
			if _, err := tx.ExecContext(ctx, `INSERT INTO corpus_audit (at, who, action, doc_id, from_version, to_version, detail, detail_zh)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, q.stamp(a.At), a.Who, string(a.Action), a.DocID, a.FromVersion, a.ToVersion, a.Detail.En, a.Detail.Zh); err != nil {
				return fmt.Errorf("audit: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("commit corpus change: %w", err)
	}
	return c.Base + 1, nil
}

// Audit implements record.Store.
func (q *queries) Audit(ctx context.Context, aq record.AuditQuery) ([]record.AuditEntry, error) {
	limit := aq.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := q.r.QueryContext(ctx, `SELECT id, at, who, action, doc_id, from_version, to_version, detail, detail_zh
FROM corpus_audit WHERE $1 = '' OR doc_id = $1 ORDER BY id DESC LIMIT $2`, aq.DocID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []record.AuditEntry
	for rows.Next() {
		var a record.AuditEntry
		var action string
		if err := rows.Scan(&a.ID, &a.At, &a.Who, &action, &a.DocID, &a.FromVersion, &a.ToVersion, &a.Detail.En, &a.Detail.Zh); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		a.Action = record.Action(action)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

// nullTime is NULL for the zero time, else t in UTC.
func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

// joinTexts keeps a list of one-line notes in two columns, the English
// and the Chinese, a line each.
func joinTexts(ts []lang.Text) (en, zh string) {
	ens, zhs := make([]string, len(ts)), make([]string, len(ts))
	for i, t := range ts {
		ens[i], zhs[i] = strings.Join(strings.Fields(t.En), " "), strings.Join(strings.Fields(t.Zh), " ")
	}
	return strings.Join(ens, "\n"), strings.Join(zhs, "\n")
}

// splitTexts reads what joinTexts wrote. Notes stored before the Chinese
// column are English only.
func splitTexts(en, zh string) []lang.Text {
	if en == "" && zh == "" {
		return nil
	}
	ens, zhs := strings.Split(en, "\n"), strings.Split(zh, "\n")
	out := make([]lang.Text, len(ens))
	for i := range ens {
		out[i].En = ens[i]
		if zh != "" && i < len(zhs) {
			out[i].Zh = zhs[i]
		}
	}
	return out
}
