package retrieval

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"policybot/policies"
)

func date(tb testing.TB, s string) policies.Date {
	tb.Helper()
	d, err := policies.ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// testDocs is a small corpus with every filter case: two categories, a
// document that has expired and one not yet in force whose articles copy
// the current ones word for word (so they would rank first if the date
// filter leaked), and a news item cited by paragraph.
func testDocs(tb testing.TB) []*policies.Document {
	tb.Helper()
	mfgArticles := []policies.Article{
		{Number: 1, Chapter: "培育优质企业", Department: "区工信局", Text: "首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元。"},
		{Number: 2, Chapter: "培育优质企业", Text: "首次纳入规模以上工业统计的企业，奖励10万元。"},
		{Number: 3, Chapter: "支持项目投资", Text: "企业实施智能化改造和数字化转型项目，按投入额的12%给予补助，最高300万元。"},
	}
	return []*policies.Document{
		{ID: "mfg", Title: "吴中区制造业高质量发展若干政策", Category: policies.Manufacturing,
			EffectiveFrom: date(tb, "2025-03-01"), EffectiveTo: date(tb, "2027-12-31"), Sample: true,
			LeadDepartment: "区工业和信息化局", CiteBy: policies.ByArticle, Articles: mfgArticles},
		{ID: "mfg-2022", Title: "吴中区制造业高质量发展若干政策（2022年版）", Category: policies.Manufacturing,
			EffectiveFrom: date(tb, "2022-01-01"), EffectiveTo: date(tb, "2024-12-31"),
			CiteBy: policies.ByArticle, Articles: mfgArticles},
		{ID: "com", Title: "吴中区商务经济高质量发展若干政策", Category: policies.Commerce,
			EffectiveFrom: date(tb, "2025-03-01"), CiteBy: policies.ByArticle, Articles: []policies.Article{
				{Number: 1, Text: "企业投保短期出口信用保险的，按实际缴纳保费的50%给予保费补助。"},
				{Number: 2, Text: "企业参加境外展会的，按展位费的70%给予补助，每家企业每年最高30万元。"},
				{Number: 3, Text: "首次认定为国家级专精特新企业的外贸企业，另行奖励5万元。"},
			}},
		{ID: "com-2030", Title: "吴中区商务经济政策（2030年起施行）", Category: policies.Commerce,
			EffectiveFrom: date(tb, "2030-01-01"), CiteBy: policies.ByArticle, Articles: []policies.Article{
				{Number: 1, Text: "企业投保短期出口信用保险的，按实际缴纳保费的50%给予保费补助。"},
			}},
		{ID: "news", Title: "区政府常务会议", Category: policies.News, CiteBy: policies.ByParagraph, Articles: []policies.Article{
			{Number: 1, Text: "2025年2月24日，区政府召开常务会议，研究安全生产工作。"},
			{Number: 2, Text: "2025年2月24日，会议审议了碳达峰行动方案，部署39项重点任务。"},
		}},
	}
}

// fixedNow is the clock of the tests: 2026-06-01, when mfg and com are in
// force, mfg-2022 has expired and com-2030 has not begun.
func fixedNow() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }

// countingEmbedder is a stand-in for a remote model: deterministic vectors
// (an untrained local embedder), a name of its choosing, a count of calls
// and texts, and an error to fail with.
type countingEmbedder struct {
	model string
	inner *LocalEmbedder
	calls atomic.Int64
	texts atomic.Int64
	mu    sync.Mutex
	fail  error
}

func newCountingEmbedder(model string) *countingEmbedder {
	return &countingEmbedder{model: model, inner: NewLocalEmbedder(64)}
}

func (e *countingEmbedder) Identity() EmbedderIdentity {
	return EmbedderIdentity{Provider: "fake", Model: e.model}
}

func (e *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.calls.Add(1)
	e.texts.Add(int64(len(texts)))
	e.mu.Lock()
	err := e.fail
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return e.inner.Embed(ctx, texts)
}

func (e *countingEmbedder) setFail(err error) {
	e.mu.Lock()
	e.fail = err
	e.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger returns a logger writing to the returned buffer.
func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// openTest opens the index of docs with the test clock, failing the test on
// error, and closes it at cleanup.
func openTest(tb testing.TB, docs []*policies.Document, opts Options) *Index {
	tb.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	ix, err := Open(context.Background(), docs, opts)
	if err != nil {
		tb.Fatalf("Open() error: %v", err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// ids returns the chunk IDs of hits.
func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Chunk.ID
	}
	return out
}
