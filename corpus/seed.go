package corpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"
	"unicode/utf8"

	"policybot/corpus/record"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

// Seed fills an empty store with the documents of fsys (the bundled corpus,
// or POLICYBOT_CORPUS_DIR), each published as version 1 by who; documents
// with errors are stored as drafts, and files without a valid id are left
// out with a log line. A store that holds any version is left alone: after
// the first start the store is the source of truth. It returns how many
// versions it stored.
func (s *Service) Seed(ctx context.Context, who string, fsys fs.FS) (int, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && policies.IsSource(p) {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seed: %w", err)
	}
	sort.Strings(names)
	stored := 0
	_, err = s.change(ctx, func(st *snapshot, now time.Time) (record.Change, error) {
		stored = 0
		if len(st.all) > 0 {
			return record.Change{}, errNothing
		}
		var ch record.Change
		seen := map[string]bool{}
		for _, name := range names {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return record.Change{}, fmt.Errorf("seed: %w", err)
			}
			doc, findings := s.parser.Parse(name, data)
			if doc == nil || !ValidID(doc.ID) || seen[doc.ID] || !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
				s.log.Warn("corpus: seed file left out", "file", name, "findings", len(findings))
				continue
			}
			seen[doc.ID] = true
			sum := sha256.Sum256(data)
			v := record.Version{DocID: doc.ID, N: 1, Status: record.Draft, Title: doc.Title, Markdown: data,
				Source:    record.Source{Name: path.Base(name), Type: TypeCorpusFormat, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))},
				CreatedBy: who, CreatedAt: now, Doc: doc, Findings: findings}
			to := 0
			if v.Publishable() {
				v.Status, v.PublishedAt, to = record.Published, now, 1
			} else {
				s.log.Warn("corpus: seed document has errors; stored as a draft", "doc", doc.ID, "file", name)
			}
			ch.Add = append(ch.Add, v)
			ch.Audit = append(ch.Audit, record.AuditEntry{At: now, Who: who, Action: record.ActionSeed, DocID: doc.ID, ToVersion: to, Detail: lang.T(name, name)})
		}
		stored = len(ch.Add)
		if stored == 0 {
			return record.Change{}, errNothing
		}
		return ch, nil
	})
	switch {
	case errors.Is(err, errNothing):
		return 0, nil
	case errors.Is(err, fault.Conflict):
		// Another replica seeded meanwhile.
		return 0, nil
	case err != nil:
		return 0, err
	}
	return stored, nil
}
