package corpus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"policybot/corpus/record"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

// The version state machine: publishing a draft, rolling back to an
// earlier version, retiring, and what each does to the other versions and
// the audit log; the refusals when a request does not fit.

// Publish makes version n of document id live (n = 0: its newest draft).
// The version must be a draft without errors. The document's previous
// version is superseded, and the document it names in supersedes is
// retired (from its effective_from when that is later).
func (s *Service) Publish(ctx context.Context, who, id string, n int) (record.Version, error) {
	return s.publish(ctx, who, id, n, nil)
}

// PublishIf is Publish on the condition that the document's current version
// is still base, the one the official saw (0: none); otherwise it fails
// with a *StaleError saying what changed, and nothing is published. Two
// officials publishing the same document at once: the second is told, not
// silently overruled.
func (s *Service) PublishIf(ctx context.Context, who, id string, n, base int) (record.Version, error) {
	v, err := s.publish(ctx, who, id, n, &base)
	return v, s.staleDetail(ctx, err)
}

func (s *Service) publish(ctx context.Context, who, id string, n int, base *int) (record.Version, error) {
	var out record.Version
	_, err := s.change(ctx, func(st *snapshot, now time.Time) (record.Change, error) {
		vs := st.versions(id)
		if len(vs) == 0 {
			return record.Change{}, noDocument(id)
		}
		var target *record.Version
		if n == 0 {
			for _, v := range vs {
				if v.Status == record.Draft {
					target = v
				}
			}
			if target == nil {
				return record.Change{}, refuse(fault.Conflict, CodeNoDraft, fmt.Sprintf("document %s has no draft to publish: upload a new version first", id), fmt.Sprintf("文档 %s 没有待发布的草稿，请先上传新版本", id))
			}
		} else if target = st.version(id, n); target == nil {
			return record.Change{}, NoVersion(id, n)
		}
		if target.Status != record.Draft {
			return record.Change{}, refuse(fault.Conflict, CodeNotDraft, fmt.Sprintf("version %d of %s is %s, not a draft: only drafts are published; roll back to publish an earlier version again", target.N, id, target.Status),
				fmt.Sprintf("文档 %s 的第 %d 版不是草稿：只有草稿可以发布；要重新使用以前的版本，请恢复到该版本", id, target.N))
		}
		if !target.Publishable() {
			return record.Change{}, rejected(target)
		}
		if base != nil {
			if err := st.checkBase(id, *base); err != nil {
				return record.Change{}, err
			}
		}
		v := *target
		up, audit := st.publish(&v, now, who, record.ActionPublish, lang.Text{})
		out = v
		return record.Change{Update: append([]record.Version{v}, up...), Audit: audit}, nil
	})
	return out, err
}

func rejected(v *record.Version) error {
	n := len(v.Errors()) + len(v.Hygiene())
	if v.Doc == nil && n == 0 {
		n = 1
	}
	return refuse(fault.Rejected, CodeHasErrors, fmt.Sprintf("version %d of %s has %d errors and cannot be published: fix the file and upload it again", v.N, v.DocID, n),
		fmt.Sprintf("该版本有 %d 处错误，不能发布，请修改后重新上传", n))
}

// Rollback publishes an earlier version n of document id again, as a new
// version (a copy of n): every publish is a new version. It is idempotent:
// when the live version is already a copy of n (a rollback sent twice: a
// double click, a retried request), it returns that version and changes
// nothing.
func (s *Service) Rollback(ctx context.Context, who, id string, n int) (record.Version, error) {
	if n <= 0 {
		return record.Version{}, refuse(fault.Invalid, CodeNoVersionGiven, "give the version to roll back to, e.g. version=2", "请指定要恢复到的版本，例如 version=2")
	}
	var out record.Version
	_, err := s.change(ctx, func(st *snapshot, now time.Time) (record.Change, error) {
		if cur := st.current(id); cur != nil && cur.BasedOn == n && cur.Status == record.Published {
			out = *cur
			return record.Change{}, errNothing
		}
		if len(st.versions(id)) == 0 {
			return record.Change{}, noDocument(id)
		}
		target := st.version(id, n)
		if target == nil {
			return record.Change{}, NoVersion(id, n)
		}
		if target.PublishedAt.IsZero() {
			return record.Change{}, refuse(fault.Conflict, CodeNeverPublished, fmt.Sprintf("version %d of %s was never published: publish it instead of rolling back", n, id),
				fmt.Sprintf("文档 %s 的第 %d 版从未发布，请直接发布", id, n))
		}
		if cur := st.current(id); cur != nil && cur.N == n && cur.LiveAt(now) && cur.Status == record.Published {
			return record.Change{}, refuse(fault.Conflict, CodeLive, fmt.Sprintf("version %d of %s is the live version already", n, id), fmt.Sprintf("文档 %s 的第 %d 版已在使用中", id, n))
		}
		if !target.Publishable() {
			return record.Change{}, rejected(target)
		}
		v := *target
		v.N = st.latest(id) + 1
		v.BasedOn = n
		v.CreatedBy, v.CreatedAt = who, now
		v.PublishedAt, v.RetiredFrom = time.Time{}, time.Time{}
		up, audit := st.publish(&v, now, who, record.ActionRollback,
			lang.T("republished version "+strconv.Itoa(n), "重新发布第 "+strconv.Itoa(n)+" 版的内容"))
		out = v
		return record.Change{Add: []record.Version{v}, Update: up, Audit: audit}, nil
	})
	if errors.Is(err, errNothing) {
		s.log.Info("corpus: rollback done already", "who", who, "doc", id, "to", n, "live", out.N)
		return out, nil
	}
	return out, err
}

// Retire takes document id out of answers from the time from (zero: now).
// Until a future from, the document is still used; Run rebuilds the index
// when the time comes.
func (s *Service) Retire(ctx context.Context, who, id string, from time.Time) (record.Version, error) {
	var out record.Version
	_, err := s.change(ctx, func(st *snapshot, now time.Time) (record.Change, error) {
		if len(st.versions(id)) == 0 {
			return record.Change{}, noDocument(id)
		}
		cur := st.current(id)
		if cur == nil {
			return record.Change{}, refuse(fault.Conflict, CodeNotPublished, fmt.Sprintf("document %s has no published version to retire", id), fmt.Sprintf("文档 %s 尚未发布，无需停用", id))
		}
		if !cur.LiveAt(now) {
			return record.Change{}, refuse(fault.Conflict, CodeRetired, fmt.Sprintf("document %s is retired already, since %s", id, cur.RetiredFrom.In(policies.CST).Format("2006-01-02 15:04")),
				fmt.Sprintf("文档 %s 已于 %s 停用", id, cur.RetiredFrom.In(policies.CST).Format("2006-01-02 15:04")))
		}
		at := from
		if at.IsZero() {
			at = now
		}
		v := *cur
		v.Status, v.RetiredFrom = record.Retired, at
		detail := lang.T("from now", "立即停用")
		if at.After(now) {
			d := at.In(policies.CST).Format("2006-01-02 15:04")
			detail = lang.T("from "+d, "自 "+d+" 起停用")
		}
		out = v
		return record.Change{Update: []record.Version{v}, Audit: []record.AuditEntry{{At: now, Who: who, Action: record.ActionRetire, DocID: id, FromVersion: cur.N, Detail: detail}}}, nil
	})
	return out, err
}

// publish marks v published and returns the updates and audit entries that
// go with it: the document's current version superseded, the document v
// supersedes retired (from v's effective_from, when that is later).
func (st *snapshot) publish(v *record.Version, now time.Time, who string, action record.Action, detail lang.Text) ([]record.Version, []record.AuditEntry) {
	var up []record.Version
	from := 0
	if cur := st.current(v.DocID); cur != nil {
		c := *cur
		c.Status = record.Superseded
		up = append(up, c)
		from = cur.N
	}
	v.Status, v.PublishedAt, v.RetiredFrom = record.Published, now, time.Time{}
	audit := []record.AuditEntry{{At: now, Who: who, Action: action, DocID: v.DocID, FromVersion: from, ToVersion: v.N, Detail: detail}}
	if v.Doc == nil || v.Doc.Supersedes == "" || v.Doc.Supersedes == v.DocID {
		return up, audit
	}
	old := st.current(v.Doc.Supersedes)
	if old == nil {
		return up, audit
	}
	at := now
	if eff := v.Doc.EffectiveFrom; !eff.IsZero() && eff.After(now) {
		at = eff.Time
	}
	if old.Status == record.Retired && !old.RetiredFrom.After(at) {
		return up, audit
	}
	o := *old
	o.Status, o.RetiredFrom = record.Retired, at
	up = append(up, o)
	d := lang.T(fmt.Sprintf("superseded by %s v%d", v.DocID, v.N), fmt.Sprintf("被 %s 第 %d 版取代", v.DocID, v.N))
	if at.After(now) {
		day := at.In(policies.CST).Format("2006-01-02")
		d = lang.T(d.En+", from "+day, d.Zh+"，自 "+day+" 起")
	}
	audit = append(audit, record.AuditEntry{At: now, Who: who, Action: record.ActionRetire, DocID: o.DocID, FromVersion: o.N, Detail: d})
	return up, audit
}

// checkBase returns a *StaleError when id's current version is not base.
func (st *snapshot) checkBase(id string, base int) error {
	cur := st.current(id)
	n := 0
	var doc *policies.Document
	if cur != nil {
		n, doc = cur.N, cur.Doc
	}
	if n == base {
		return nil
	}
	var was *policies.Document
	if v := st.version(id, base); v != nil {
		was = v.Doc
	}
	d := Compare(was, doc)
	d.From, d.To = base, n
	return &StaleError{DocID: id, Base: base, Current: n, Diff: d}
}

// staleDetail adds who changed the document last, and when, to a
// *StaleError (from the audit log; best effort).
func (s *Service) staleDetail(ctx context.Context, err error) error {
	var se *StaleError
	if !errors.As(err, &se) {
		return err
	}
	if es, aerr := s.store.Audit(ctx, record.AuditQuery{DocID: se.DocID, Limit: 10}); aerr == nil {
		for _, e := range es {
			if e.Action != record.ActionUpload && e.Action != record.ActionSeed {
				se.By, se.At = e.Who, e.At
				break
			}
		}
	}
	return se
}

// noDocument is the refusal for an unknown document id.
func noDocument(id string) error {
	return refuse(fault.NotFound, CodeNoDocument, fmt.Sprintf("there is no document %q", id), fmt.Sprintf("文档 %s 不存在", id))
}

// NoVersion is the refusal for an unknown version n of document id.
func NoVersion(id string, n int) error {
	return refuse(fault.NotFound, CodeNoVersion, fmt.Sprintf("document %s has no version %d", id, n), fmt.Sprintf("文档 %s 没有第 %d 版", id, n))
}
