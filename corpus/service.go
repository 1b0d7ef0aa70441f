package corpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
	"golang.org/x/text/encoding/simplifiedchinese"

	"policybot/bot/convlog"
	"policybot/corpus/record"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"policybot/retrieval"
)

// Options are what a Service is made of.
type Options struct {
	// Store keeps the versions and the audit log (required).
	Store record.Store
	// Live is the index the bot searches (required). The Service owns every
	// index it swaps out of Live and closes it, after CloseDelay.
	Live *retrieval.Live
	// Index are the options of every index build (embedder, directory,
	// clock).
	Index retrieval.Options
	// Parser reads and checks the documents; nil means the default rules.
	Parser *policies.Parser
	// Convert turns uploads into the corpus format (cmd wires in
	// ingest.Convert with its limits); nil means uploads are taken only
	// in the corpus format itself, Markdown with front matter.
	Convert Converter
	// Questions are the refused and 👎 questions Insights groups; nil
	// turns Insights off.
	Questions convlog.QuestionSource
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnChange is called, with the new generation, after a change this
	// Service committed is live here: the hook to tell other replicas,
	// which then call Sync. It must not block.
	OnChange func(generation int64)
	// CheckEvery is how often Run calls Sync (retire dates that arrive,
	// changes made by other replicas); 0 means a minute.
	CheckEvery time.Duration
	// CloseDelay is how long a replaced index stays open for the searches
	// that started on it; 0 means two minutes. A search takes milliseconds.
	CloseDelay time.Duration
}

// Service manages the corpus. It is safe for concurrent use: writes (and
// index builds) are serialised, reads are served from a snapshot of the
// store that is reloaded when the store's generation moves.
type Service struct {
	store      record.Store
	live       *retrieval.Live
	index      retrieval.Options
	parser     *policies.Parser
	convert    Converter
	questions  convlog.QuestionSource
	now        func() time.Time
	log        *slog.Logger
	onChange   func(int64)
	checkEvery time.Duration
	closeDelay time.Duration

	// mu serialises the writes and the builds; built is what Live holds;
	// shut is set by Close.
	mu    sync.Mutex
	built built
	shut  bool
	// liveDocs are built.docs, for readers that must not wait for a build.
	liveDocs atomic.Pointer[[]*policies.Document]

	snapMu sync.Mutex
	snap   *snapshot
	parsed map[string]parsed // by versionKey

	closeMu sync.Mutex
	closing map[*retrieval.Index]*time.Timer
}

// built describes the index in Live.
type built struct {
	gen  int64  // the store generation it was built at; -1 before the first
	key  string // the live versions it holds
	docs []*policies.Document
	// next is the earliest future retire date among the live versions:
	// Sync rebuilds when it passes.
	next time.Time
}

type parsed struct {
	sum      [32]byte
	doc      *policies.Document
	findings []policies.Finding
}

// New returns a Service. Call Seed (on first start) and Sync before
// serving, and Run in the background.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Live == nil {
		return nil, errors.New("corpus: Store and Live are required")
	}
	s := &Service{
		store: opts.Store, live: opts.Live, index: opts.Index, parser: opts.Parser, convert: opts.Convert,
		questions: opts.Questions, now: opts.Now, log: opts.Logger, onChange: opts.OnChange,
		checkEvery: opts.CheckEvery, closeDelay: opts.CloseDelay,
		built: built{gen: -1}, parsed: map[string]parsed{}, closing: map[*retrieval.Index]*time.Timer{},
	}
	if s.parser == nil {
		s.parser = &policies.Parser{}
	}
	if s.convert == nil {
		s.convert = corpusFormatOnly
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.onChange == nil {
		s.onChange = func(int64) {}
	}
	if s.checkEvery <= 0 {
		s.checkEvery = time.Minute
	}
	if s.closeDelay <= 0 {
		s.closeDelay = 2 * time.Minute
	}
	return s, nil
}

// Meta is the metadata of an upload, from the form: it becomes the front
// matter of a file that has none (a file's own front matter wins).
type Meta struct {
	policies.Meta
	// Supersedes is the id of the document this one replaces: publishing
	// it retires that document.
	Supersedes string
	// Base, when set, is the document's current version the official saw
	// before uploading (0: there was none): an upload that publishes
	// fails with a *StaleError when that is no longer so.
	Base *int
	// Scope is where and when the document applies (the front matter's
	// region, level, year and status; policies/FORMAT.md). Unlike the
	// other fields, a scope field the form gives is added to a file's own
	// front matter too, when the file does not give it: that is how an
	// official corrects a region or year the parser inferred.
	Scope Scope
}

// Scope are the scope fields of an upload form, as typed.
type Scope struct {
	Region, Level, Year, Status string
}

// scopeFields checks the form's scope fields and returns them as front
// matter (key, value) pairs, with findings for those that are invalid.
func (sc Scope) fields(path string) ([][2]string, []policies.Finding) {
	var out [][2]string
	var fs []policies.Finding
	bad := func(en, zh string) {
		fs = append(fs, policies.Finding{Path: path, Severity: policies.Error, Code: policies.CodeField, Msg: lang.T(en, zh)})
	}
	if r := strings.TrimSpace(sc.Region); r != "" {
		if utf8.RuneCountInString(r) > 32 || strings.ContainsAny(r, " \t:#'\"{}[],&*!|>%@`") {
			bad(fmt.Sprintf("region %q is not a region name: write it as 吴中区, 苏州市 or 江苏省", r), fmt.Sprintf("地区名称无效：“%s”，请写作吴中区、苏州市或江苏省", r))
		} else {
			out = append(out, [2]string{"region", r})
		}
	}
	if l := strings.TrimSpace(sc.Level); l != "" {
		if lv, ok := policies.ParseLevel(l); ok {
			out = append(out, [2]string{"level", string(lv)})
		} else {
			bad("unknown level %q: use district (区/县级市), city (市), province (省) or national (国家) (层级无效)", l)
		}
	}
	if y := strings.TrimSpace(sc.Year); y != "" {
		if n, err := strconv.Atoi(y); err == nil && n >= 1949 && n <= 2100 {
			out = append(out, [2]string{"year", y})
		} else {
			bad("bad year %q: write the year of the measure with four digits, e.g. 2025 (年份应为四位数字，如 2025)", y)
		}
	}
	if st := strings.TrimSpace(sc.Status); st != "" {
		if v, ok := policies.ParseStatus(st); ok {
			out = append(out, [2]string{"status", string(v)})
		} else {
			bad("unknown status %q: use in-force (现行有效), expired (已失效) or repealed (已废止) (状态无效)", st)
		}
	}
	return out, fs
}

// UploadResult is what an upload made.
type UploadResult struct {
	// Version is the stored draft (or published version); its N is 0 when
	// nothing could be stored (the file could not be converted, or has no
	// valid id). Its Findings say what is wrong.
	record.Version
	// Published reports that the upload went live at once.
	Published bool
	// Diff is the change from the document's current version; nil for a
	// new document or an upload that was not stored.
	Diff *Diff
}

var idRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ValidID reports whether id is a well-formed document id.
func ValidID(id string) bool { return idRE.MatchString(id) }

// Upload converts the file name with content data into a new version of
// the document its front matter (or meta) names, and stores it as a draft.
// With publish, a version that validates is published at once. A file that
// cannot be converted, or does not validate, is reported in the result's
// Findings (the version is stored as a draft when it has a valid id, and is
// never published): that is not an error. Errors are the store's or the
// index build's, or ctx's.
func (s *Service) Upload(ctx context.Context, who, name string, data []byte, meta Meta, publish bool) (UploadResult, error) {
	sum := sha256.Sum256(data)
	src := record.Source{Name: path.Base(strings.ReplaceAll(name, `\`, "/")), Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if src.Name == "." || src.Name == "/" {
		src.Name = ""
	}
	refused := func(msg lang.Text) UploadResult {
		return UploadResult{Version: record.Version{Status: record.Draft, Source: src, CreatedBy: who, CreatedAt: s.now(),
			Findings: []policies.Finding{{Path: src.Name, Severity: policies.Error, Code: CodeFile, Msg: msg}}}}
	}
	res, err := s.convert(ctx, name, data, meta.Meta)
	if err != nil {
		if fe := fault.As(err); fe != nil {
			s.log.Info("corpus: upload refused", "who", who, "file", src.Name, "err", err)
			return refused(fe.Msg), nil
		}
		return UploadResult{}, err
	}
	src.Type = res.Type
	md := res.Markdown
	warnings := append([]lang.Text(nil), res.Warnings...)
	var extra []policies.Finding
	ownFront := res.OwnFrontMatter
	if !ownFront && strings.TrimSpace(meta.ID) == "" {
		extra = append(extra, policies.Finding{Path: src.Name, Severity: policies.Error, Code: CodeNoFrontMatter,
			Msg: lang.T("the file has no front matter: give the document's id, title and category in the upload form", "文件没有元数据，请在表单中填写文档 id、标题和类别")})
	}
	if sup := strings.TrimSpace(meta.Supersedes); sup != "" {
		switch {
		case ownFront:
			// The file's front matter wins; ingest warned that the form is ignored.
		case !ValidID(sup):
			extra = append(extra, policies.Finding{Path: src.Name, Severity: policies.Error, Code: policies.CodeField,
				Msg: lang.T(fmt.Sprintf("supersedes %q is not a document id", sup), fmt.Sprintf("supersedes 应为文档 id：“%s”", sup))})
		default:
			md = addFrontField(md, "supersedes", sup)
		}
	}
	doc, findings := s.parser.Parse(src.Name, md)
	// The store keeps UTF-8 text: a GB18030 file the parser converted is
	// kept converted.
	if !utf8.Valid(md) && doc != nil && !policies.HasErrors(findings) {
		if out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(md); err == nil && utf8.Valid(out) {
			md = out
			doc, findings = s.parser.Parse(src.Name, md)
			warnings = append(warnings, lang.T("the file was GB18030/GBK text and was converted to UTF-8", "文件为 GB18030/GBK 编码，已转换为 UTF-8"))
		}
	}
	scope, bad := meta.Scope.fields(src.Name)
	extra = append(extra, bad...)
	if len(scope) > 0 && utf8.Valid(md) {
		added := false
		for _, f := range scope {
			var had bool
			if md, had = setFrontField(md, f[0], f[1]); had {
				warnings = append(warnings, lang.T(fmt.Sprintf("the file gives %s itself; the form's %q is not used", f[0], f[1]),
					fmt.Sprintf("文件中已有 %s，表单填写的“%s”未使用", f[0], f[1])))
			} else {
				added = true
			}
		}
		if added {
			doc, findings = s.parser.Parse(src.Name, md)
		}
	}
	findings = append(findings, extra...)
	v := record.Version{Status: record.Draft, Markdown: md, Source: src, Warnings: warnings, CreatedBy: who, Doc: doc, Findings: findings}
	if doc != nil {
		v.DocID, v.Title = doc.ID, doc.Title
	}
	if doc == nil || !ValidID(doc.ID) || !utf8.Valid(md) || bytes.IndexByte(md, 0) >= 0 {
		// Nothing to store it under, or text no database column takes.
		v.CreatedAt = s.now()
		return UploadResult{Version: v}, nil
	}
	if doc.Supersedes == doc.ID {
		v.Findings = append(v.Findings, policies.Finding{Path: src.Name, Severity: policies.Error, Code: policies.CodeField,
			Msg: lang.T("a document cannot supersede itself: remove the supersedes field", "文档不能替代自身，请删除 supersedes 字段")})
	}

	var out UploadResult
	_, err = s.change(ctx, func(st *snapshot, now time.Time) (record.Change, error) {
		nv := v
		nv.N = st.latest(nv.DocID) + 1
		nv.CreatedAt = now
		nv.Warnings = append(append([]lang.Text(nil), v.Warnings...), st.supersedesWarnings(doc)...)
		out = UploadResult{}
		var ch record.Change
		if cur := st.current(nv.DocID); cur != nil {
			d := Compare(cur.Doc, doc)
			d.From, d.To = cur.N, nv.N
			out.Diff = &d
		}
		ch.Audit = append(ch.Audit, record.AuditEntry{At: now, Who: who, Action: record.ActionUpload, DocID: nv.DocID,
			FromVersion: st.latest(nv.DocID), ToVersion: nv.N, Detail: uploadDetail(&nv)})
		if publish && nv.Publishable() && meta.Base != nil {
			if err := st.checkBase(nv.DocID, *meta.Base); err != nil {
				return record.Change{}, err
			}
		}
		if publish && nv.Publishable() {
			up, audit := st.publish(&nv, now, who, record.ActionPublish, lang.T("published at upload", "上传时直接发布"))
			ch.Update = append(ch.Update, up...)
			ch.Audit = append(ch.Audit, audit...)
			out.Published = true
		}
		ch.Add = []record.Version{nv}
		out.Version = nv
		return ch, nil
	})
	if err != nil {
		return UploadResult{}, s.staleDetail(ctx, err)
	}
	return out, nil
}

// uploadDetail summarises an upload for the audit log.
func uploadDetail(v *record.Version) lang.Text {
	en := v.Source.Name
	if v.Source.Type != "" {
		en += " (" + v.Source.Type + ")"
	}
	zh := en
	if n := len(v.Errors()) + len(v.Hygiene()); n > 0 {
		en += fmt.Sprintf(", %d errors", n)
		zh += fmt.Sprintf("，%d 个错误", n)
		for _, f := range v.Hygiene() {
			if f.Code == policies.CodeSpam {
				en += ", injected spam"
				zh += "，含被注入的垃圾信息"
				break
			}
		}
	}
	return lang.T(strings.TrimPrefix(en, ", "), strings.TrimPrefix(zh, "，"))
}

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

// noDocument is the refusal for an unknown document id.
func noDocument(id string) error {
	return refuse(fault.NotFound, CodeNoDocument, fmt.Sprintf("there is no document %q", id), fmt.Sprintf("文档 %s 不存在", id))
}

// NoVersion is the refusal for an unknown version n of document id.
func NoVersion(id string, n int) error {
	return refuse(fault.NotFound, CodeNoVersion, fmt.Sprintf("document %s has no version %d", id, n), fmt.Sprintf("文档 %s 没有第 %d 版", id, n))
}

// errNothing ends a change that has nothing to write.
var errNothing = errors.New("nothing to change")

// errClosed is returned for a change or a build after Close.
var errClosed = errors.New("corpus: the service is closed")

// Rebuild builds a new index from the versions live now, beside the live
// one, and swaps it into Live. A build that fails leaves the old index live
// and returns the error. (Changes need no rebuild: they update the live
// index in place; this is for an index that must be built anew.)
func (s *Service) Rebuild(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebuild(ctx, true)
}

// Sync updates the index when the store changed since the last build (a
// change by another replica) or a retire date among the live versions has
// arrived, changing only the documents that changed; otherwise it does
// nothing. It reports whether the index changed.
func (s *Service) Sync(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return false, errClosed
	}
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return false, fmt.Errorf("corpus generation: %w", err)
	}
	now := s.now()
	if gen == s.built.gen && s.live.Current() != nil && (s.built.next.IsZero() || now.Before(s.built.next)) {
		return false, nil
	}
	before := s.built.key
	if err := s.rebuild(ctx, false); err != nil {
		return false, err
	}
	return s.built.key != before, nil
}

// rebuild loads the store and brings the index in Live to the live
// versions: unless force, only when they differ from it, and then by an
// incremental update of the documents that changed; with force, by a new
// index built beside it. s.mu is held.
func (s *Service) rebuild(ctx context.Context, force bool) error {
	if s.shut {
		return errClosed
	}
	st, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	docs, key, next := st.liveSet(now)
	b := built{gen: st.gen, key: key, docs: docs, next: next}
	cur := s.live.Current()
	switch {
	case !force && key == s.built.key && cur != nil:
		s.built.gen, s.built.next = st.gen, next
		return nil
	case !force && cur != nil:
		p, err := cur.Prepare(ctx, docs)
		if err != nil {
			return fmt.Errorf("update the index: %w", err)
		}
		return s.apply(ctx, p, b)
	}
	ix, err := s.build(ctx, docs)
	if err != nil {
		return err
	}
	s.swap(ix, b)
	return nil
}

// apply applies an update prepared on the live index and records b as
// what it holds. Should the update fail (the lexical index cannot be
// written), a new index is built beside and swapped in instead. s.mu is
// held.
func (s *Service) apply(ctx context.Context, p *retrieval.Pending, b built) error {
	if err := p.Apply(); err != nil {
		s.log.Error("corpus: incremental index update failed; building a new index", "err", err)
		ix, err := s.build(ctx, b.docs)
		if err != nil {
			return err
		}
		s.swap(ix, b)
		return nil
	}
	s.built = b
	s.liveDocs.Store(&b.docs)
	return nil
}

// Run calls Sync every CheckEvery until ctx is done, logging failures: it
// takes retired documents out when their date arrives and picks up other
// replicas' changes.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.checkEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if rebuilt, err := s.Sync(ctx); err != nil {
				if ctx.Err() == nil {
					s.log.Error("corpus: sync failed; the previous index stays live", "err", err)
				}
			} else if rebuilt {
				s.log.Info("corpus: index updated", "generation", s.generation())
			}
		}
	}
}

func (s *Service) generation() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.built.gen
}

// Close closes the indexes the Service swapped out and still keeps open
// for searches in flight, and the live one. Call it after the server has
// stopped answering.
func (s *Service) Close() error {
	// Wait for a build in progress; none starts after.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shut = true
	s.closeMu.Lock()
	pending := s.closing
	s.closing = map[*retrieval.Index]*time.Timer{}
	s.closeMu.Unlock()
	var errs []error
	for ix, t := range pending {
		if t.Stop() {
			errs = append(errs, ix.Close())
		}
	}
	if ix := s.live.Current(); ix != nil {
		errs = append(errs, ix.Close())
	}
	return errors.Join(errs...)
}

// change plans a write on the current snapshot, builds the index the write
// leads to, commits the write and swaps the index in: a failed build
// commits nothing, and a failed commit leaves the old index live. A commit
// that loses a race with another replica is planned again.
func (s *Service) change(ctx context.Context, plan func(st *snapshot, now time.Time) (record.Change, error)) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return 0, errClosed
	}
	for attempt := 0; ; attempt++ {
		st, err := s.snapshot(ctx)
		if err != nil {
			return 0, err
		}
		now := s.now()
		ch, err := plan(st, now)
		if err != nil {
			return 0, err
		}
		ch.Base = st.gen
		next := st.apply(ch)
		docs, key, retireAt := next.liveSet(now)
		// The index change is prepared (and, with a remote embedder, the
		// new chunks embedded) before the commit, so that a failure
		// commits nothing; it is applied after.
		var ix *retrieval.Index
		var pending *retrieval.Pending
		if cur := s.live.Current(); cur == nil {
			if ix, err = s.build(ctx, docs); err != nil {
				return 0, fmt.Errorf("%w; nothing was changed", err)
			}
		} else if key != s.built.key {
			if pending, err = cur.Prepare(ctx, docs); err != nil {
				return 0, fmt.Errorf("update the index: %w; nothing was changed", err)
			}
		}
		gen, err := s.store.Commit(ctx, ch)
		if err != nil {
			if ix != nil {
				ix.Close()
			}
			if errors.Is(err, fault.Conflict) && attempt < 2 {
				s.log.Info("corpus: the store changed meanwhile; planning again", "err", err)
				continue
			}
			if errors.Is(err, fault.Conflict) {
				return 0, refuse(fault.Conflict, CodeChanged, "the corpus was changed by someone else at the same time: reload and try again", "文档库刚被他人修改，请刷新后重试")
			}
			return 0, fmt.Errorf("save the corpus change: %w", err)
		}
		// The versions this change stored are parsed already: the reload
		// the next request makes need not parse them again.
		s.snapMu.Lock()
		for _, v := range ch.Add {
			if v.Doc != nil {
				s.parsed[versionKey(v.DocID, v.N)] = parsed{sum: sha256.Sum256(v.Markdown), doc: v.Doc, findings: v.Findings}
			}
		}
		s.snapMu.Unlock()
		b := built{gen: gen, key: key, docs: docs, next: retireAt}
		switch {
		case ix != nil:
			s.swap(ix, b)
		case pending != nil:
			if err := s.apply(ctx, pending, b); err != nil {
				// Committed, but not live here: Run retries.
				s.built.gen = -1
				return 0, fmt.Errorf("the change was saved but the index could not follow (it will retry): %w", err)
			}
		default:
			s.built = b
		}
		for _, a := range ch.Audit {
			s.log.Info("corpus: "+string(a.Action), "who", a.Who, "doc", a.DocID, "from", a.FromVersion, "to", a.ToVersion, "detail", a.Detail.En)
		}
		s.onChange(gen)
		return gen, nil
	}
}

// build opens a new index of docs beside the live one (in new files of the
// data directory, Options.Fresh, when there is a live one: it keeps its
// files until it is closed).
func (s *Service) build(ctx context.Context, docs []*policies.Document) (*retrieval.Index, error) {
	opts := s.index
	opts.Fresh = s.live.Current() != nil
	ix, err := retrieval.Open(ctx, docs, opts)
	if err != nil {
		return nil, fmt.Errorf("build the index: %w", err)
	}
	return ix, nil
}

// swap puts ix live and closes the index it replaces after closeDelay,
// when the searches that started on it are long done. s.mu is held.
func (s *Service) swap(ix *retrieval.Index, b built) {
	old := s.live.Swap(ix)
	s.built = b
	s.liveDocs.Store(&b.docs)
	if old == nil || old == ix {
		return
	}
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	s.closing[old] = time.AfterFunc(s.closeDelay, func() {
		s.closeMu.Lock()
		delete(s.closing, old)
		s.closeMu.Unlock()
		if err := old.Close(); err != nil {
			s.log.Warn("corpus: close replaced index", "err", err)
		}
	})
}

// snapshot returns the store's versions, parsed, reloading them when the
// store's generation moved.
func (s *Service) snapshot(ctx context.Context) (*snapshot, error) {
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return nil, fmt.Errorf("corpus generation: %w", err)
	}
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.snap != nil && s.snap.gen == gen {
		return s.snap, nil
	}
	gen, vs, err := s.store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the corpus: %w", err)
	}
	// Parsing is what a reload costs (a second for a thousand documents of
	// a hundred articles): the versions parsed before are kept, the others
	// parsed on every core.
	keep := make([]parsed, len(vs))
	var todo []int
	for i := range vs {
		sum := sha256.Sum256(vs[i].Markdown)
		p, ok := s.parsed[versionKey(vs[i].DocID, vs[i].N)]
		if !ok || p.sum != sum {
			p = parsed{sum: sum}
			todo = append(todo, i)
		}
		keep[i] = p
	}
	var g errgroup.Group
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	for w := range workers {
		g.Go(func() error {
			for j := w; j < len(todo); j += workers {
				i := todo[j]
				keep[i].doc, keep[i].findings = s.parser.Parse(versionKey(vs[i].DocID, vs[i].N), vs[i].Markdown)
			}
			return nil
		})
	}
	g.Wait()
	s.parsed = make(map[string]parsed, len(vs))
	for i := range vs {
		vs[i].Doc, vs[i].Findings = keep[i].doc, keep[i].findings
		s.parsed[versionKey(vs[i].DocID, vs[i].N)] = keep[i]
	}
	s.snap = newSnapshot(gen, vs)
	return s.snap, nil
}

func versionKey(id string, n int) string { return id + "@v" + strconv.Itoa(n) }

// snapshot is the corpus at one generation. It is never modified.
type snapshot struct {
	gen   int64
	all   []record.Version
	byDoc map[string][]int // indexes into all, by version number
	ids   []string
}

func newSnapshot(gen int64, vs []record.Version) *snapshot {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].DocID != vs[j].DocID {
			return vs[i].DocID < vs[j].DocID
		}
		return vs[i].N < vs[j].N
	})
	st := &snapshot{gen: gen, all: vs, byDoc: map[string][]int{}}
	for i, v := range vs {
		if _, ok := st.byDoc[v.DocID]; !ok {
			st.ids = append(st.ids, v.DocID)
		}
		st.byDoc[v.DocID] = append(st.byDoc[v.DocID], i)
	}
	return st
}

func (st *snapshot) versions(id string) []*record.Version {
	var out []*record.Version
	for _, i := range st.byDoc[id] {
		out = append(out, &st.all[i])
	}
	return out
}

func (st *snapshot) version(id string, n int) *record.Version {
	for _, i := range st.byDoc[id] {
		if st.all[i].N == n {
			return &st.all[i]
		}
	}
	return nil
}

func (st *snapshot) latest(id string) int {
	n := 0
	for _, i := range st.byDoc[id] {
		n = max(n, st.all[i].N)
	}
	return n
}

// current is the published or retired version of id, or nil.
func (st *snapshot) current(id string) *record.Version {
	var cur *record.Version
	for _, i := range st.byDoc[id] {
		if st.all[i].Current() {
			cur = &st.all[i]
		}
	}
	return cur
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

// supersedesWarnings notes a supersedes field naming an unknown document.
func (st *snapshot) supersedesWarnings(doc *policies.Document) []lang.Text {
	if doc == nil || doc.Supersedes == "" || doc.Supersedes == doc.ID || len(st.byDoc[doc.Supersedes]) > 0 {
		return nil
	}
	return []lang.Text{lang.T(fmt.Sprintf("supersedes names %q, which is not in the corpus: nothing will be retired", doc.Supersedes),
		fmt.Sprintf("被替代的文档 %s 不存在，不会停用任何文档", doc.Supersedes))}
}

// apply returns the snapshot c leads to (generation unknown).
func (st *snapshot) apply(c record.Change) *snapshot {
	all := append([]record.Version(nil), st.all...)
	for _, u := range c.Update {
		for i := range all {
			if all[i].DocID == u.DocID && all[i].N == u.N {
				all[i].Status, all[i].PublishedAt, all[i].RetiredFrom = u.Status, u.PublishedAt, u.RetiredFrom
			}
		}
	}
	all = append(all, c.Add...)
	return newSnapshot(-1, all)
}

// liveSet returns the documents live at now (in id order), a key naming
// their versions, and the earliest future retire date among them.
func (st *snapshot) liveSet(now time.Time) ([]*policies.Document, string, time.Time) {
	var docs []*policies.Document
	var key strings.Builder
	var next time.Time
	for _, id := range st.ids {
		v := st.current(id)
		if v == nil || !v.LiveAt(now) || v.Doc == nil {
			continue
		}
		docs = append(docs, v.Doc)
		key.WriteString(versionKey(id, v.N))
		key.WriteByte(',')
		if v.Status == record.Retired && (next.IsZero() || v.RetiredFrom.Before(next)) {
			next = v.RetiredFrom
		}
	}
	return docs, key.String(), next
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

// addFrontField adds "key: value" to the front matter of md when it has no
// such key; value must need no YAML quoting (a document id).
func addFrontField(md []byte, key, value string) []byte {
	md, _ = setFrontField(md, key, value)
	return md
}

// setFrontField is addFrontField that also reports whether the key was
// there already (md is then unchanged).
func setFrontField(md []byte, key, value string) ([]byte, bool) {
	lines := bytes.SplitAfter(md, []byte("\n"))
	if len(lines) == 0 || string(bytes.TrimSpace(lines[0])) != "---" {
		return md, false
	}
	for i := 1; i < len(lines); i++ {
		t := bytes.TrimSpace(lines[i])
		if bytes.HasPrefix(t, []byte(key+":")) {
			return md, true
		}
		if string(t) == "---" {
			var out bytes.Buffer
			for _, l := range lines[:i] {
				out.Write(l)
			}
			out.WriteString(key + ": " + value + "\n")
			for _, l := range lines[i:] {
				out.Write(l)
			}
			return out.Bytes(), false
		}
	}
	return md, false
}
