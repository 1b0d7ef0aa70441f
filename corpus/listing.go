package corpus

import (
	"context"
	"time"

	"policybot/corpus/record"
	"policybot/policies"
	"policybot/policies/fault"
)

// What the Service lists: the documents, one document's versions and
// history, the audit log, the insights and the live documents.

// Summary is a document as the listing shows it.
type Summary struct {
	ID       string
	Title    string
	Category policies.Category
	// Status is the current version's (published or retired), or Draft
	// when no version was ever published.
	Status record.Status
	// Live reports that the document is in the index now.
	Live bool
	// Current is the published or retired version; 0 when none.
	Current int
	// Latest is the highest version number.
	Latest int
	// Draft is the newest draft above Current; 0 when none.
	Draft       int
	RetiredFrom time.Time
	Versions    int
	// UpdatedAt and UpdatedBy are the document's latest audit entry (or
	// its latest upload or publish, when the entry is too old to look up).
	UpdatedAt time.Time
	UpdatedBy string
	// Doc is the current version's document (else the newest version's);
	// nil when that did not parse.
	Doc *policies.Document
}

// Documents lists every document, by id.
func (s *Service) Documents(ctx context.Context) ([]Summary, error) {
	st, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Summary, 0, len(st.ids))
	for _, id := range st.ids {
		out = append(out, st.summary(id, now))
	}
	if err := s.addUpdates(ctx, out, record.AuditQuery{Limit: recentAudit}); err != nil {
		return nil, err
	}
	return out, nil
}

// recentAudit is how many audit entries Documents reads for UpdatedBy.
const recentAudit = 2000

// addUpdates sets each summary's UpdatedAt and UpdatedBy from its latest
// audit entry among those q selects.
func (s *Service) addUpdates(ctx context.Context, sums []Summary, q record.AuditQuery) error {
	entries, err := s.store.Audit(ctx, q)
	if err != nil {
		return err
	}
	latest := map[string]record.AuditEntry{}
	for _, e := range entries {
		if _, ok := latest[e.DocID]; !ok {
			latest[e.DocID] = e
		}
	}
	for i := range sums {
		if e, ok := latest[sums[i].ID]; ok {
			sums[i].UpdatedAt, sums[i].UpdatedBy = e.At, e.Who
		}
	}
	return nil
}

// Document returns the summary and the versions (oldest first) of
// document id; a fault.NotFound when there is none.
func (s *Service) Document(ctx context.Context, id string) (Summary, []record.Version, error) {
	st, err := s.snapshot(ctx)
	if err != nil {
		return Summary{}, nil, err
	}
	vs := st.versions(id)
	if len(vs) == 0 {
		return Summary{}, nil, noDocument(id)
	}
	out := make([]record.Version, len(vs))
	for i, v := range vs {
		out[i] = *v
	}
	sum := []Summary{st.summary(id, s.now())}
	if err := s.addUpdates(ctx, sum, record.AuditQuery{DocID: id, Limit: 1}); err != nil {
		return Summary{}, nil, err
	}
	return sum[0], out, nil
}

// HistoryEntry is a version with what it changed from the version before.
type HistoryEntry struct {
	record.Version
	Diff Diff
}

// History lists the versions of document id, oldest first, each with its
// article-level diff from the previous version.
func (s *Service) History(ctx context.Context, id string) ([]HistoryEntry, error) {
	_, vs, err := s.Document(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, len(vs))
	var prev *record.Version
	for i := range vs {
		var old *policies.Document
		if prev != nil {
			old = prev.Doc
		}
		out[i] = HistoryEntry{Version: vs[i], Diff: Compare(old, vs[i].Doc)}
		if prev != nil {
			out[i].Diff.From = prev.N
		}
		out[i].Diff.To = vs[i].N
		prev = &vs[i]
	}
	return out, nil
}

// Audit returns the audit log, newest first.
func (s *Service) Audit(ctx context.Context, q record.AuditQuery) ([]record.AuditEntry, error) {
	return s.store.Audit(ctx, q)
}

// Insights groups the questions refused or rated 👎 since the given time
// (see GroupQuestions). It returns a fault.NotFound when the Service has no
// convlog.QuestionSource.
func (s *Service) Insights(ctx context.Context, since time.Time) ([]InsightGroup, error) {
	if s.questions == nil {
		return nil, refuse(fault.NotFound, CodeNoInsights, "insights are not available: no message store is configured", "未配置问答记录，无法分析")
	}
	qs, err := s.questions.UnansweredQuestions(ctx, since, MaxInsightQuestions)
	if err != nil {
		return nil, err
	}
	return GroupQuestions(qs), nil
}

// LiveDocuments are the documents of the index in Live, by id.
func (s *Service) LiveDocuments() []*policies.Document {
	p := s.liveDocs.Load()
	if p == nil {
		return nil
	}
	return append([]*policies.Document(nil), (*p)...)
}

func (st *snapshot) summary(id string, now time.Time) Summary {
	vs := st.versions(id)
	sum := Summary{ID: id, Status: record.Draft, Versions: len(vs)}
	cur := st.current(id)
	show := vs[len(vs)-1]
	if cur != nil {
		show = cur
		sum.Status, sum.Current, sum.Live, sum.RetiredFrom = cur.Status, cur.N, cur.LiveAt(now), cur.RetiredFrom
	}
	sum.Title, sum.Doc = show.Title, show.Doc
	if show.Doc != nil {
		sum.Category = show.Doc.Category
	}
	for _, v := range vs {
		sum.Latest = max(sum.Latest, v.N)
		if v.Status == record.Draft && v.N > sum.Current {
			sum.Draft = max(sum.Draft, v.N)
		}
		for _, t := range []time.Time{v.CreatedAt, v.PublishedAt} {
			if t.After(sum.UpdatedAt) {
				sum.UpdatedAt = t
			}
		}
	}
	return sum
}
