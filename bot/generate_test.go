package bot

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"policybot/bot/convlog"
	"policybot/retrieval"
)

// fakeGenerator answers with function fields, recording what it was given.
type fakeGenerator struct {
	generate func(GenerateRequest) (string, error)
	condense func([]convlog.Turn, string) (string, error)
	got      []GenerateRequest
}

// Generate streams the reply rune by rune, as a model does, stopping when
// ctx ends (the bot ends a stream the guard stopped).
func (f *fakeGenerator) Generate(ctx context.Context, req GenerateRequest) (string, error) {
	f.got = append(f.got, req)
	out, err := f.generate(req)
	if err == nil && req.OnToken != nil {
		for _, r := range out {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			req.OnToken(string(r))
		}
	}
	return out, err
}

func (f *fakeGenerator) Condense(_ context.Context, h []convlog.Turn, q string) (string, error) {
	if f.condense == nil {
		return "", errors.New("no condenser")
	}
	return f.condense(h, q)
}

func (f *fakeGenerator) Name() string { return "fake" }

func newGenBot(tb testing.TB, g Generator) *Bot {
	tb.Helper()
	base := newTestBot(tb)
	cfg := base.cfg
	cfg.Generator = g
	cfg.Conversations = convlog.NewMemory(10)
	b, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

const question = "首次认定为省级专精特新中小企业的奖励是多少"

func TestGeneratedAnswerPasses(t *testing.T) {
	g := &fakeGenerator{generate: func(req GenerateRequest) (string, error) {
		return "首次认定为省级专精特新中小企业的，区里奖励20万元[1]，由区工信局负责。", nil
	}}
	b := newGenBot(t, g)
	var streamed strings.Builder
	ans, err := b.AskStream(context.Background(), Request{Message: question}, func(s string) { streamed.WriteString(s) })
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Generated || ans.Fallback || ans.Replaced {
		t.Fatalf("answer = %+v, want the generated one", ans)
	}
	if len(g.got) != 1 || len(g.got[0].Passages) == 0 || g.got[0].Passages[0].Citation.Doc != "wz-mfg-2025" || g.got[0].Passages[0].Citation.Article != 6 {
		t.Fatalf("generator got %+v, want 第6条 as passage 1", g.got)
	}
	if streamed.String() != ans.Text {
		t.Errorf("streamed %q, answer %q", streamed.String(), ans.Text)
	}
	if len(ans.Citations) != 1 || ans.Citations[0].Article != 6 || ans.Notice != SampleNotice {
		t.Errorf("citations %+v notice %q", ans.Citations, ans.Notice)
	}
}

func TestGeneratedAnswerFallsBack(t *testing.T) {
	tests := []struct {
		name   string
		reply  string
		err    error
		notice string
	}{
		{"invented figure", "省级专精特新中小企业奖励25万元[1]。", nil, GeneratorRejectedNotice},
		{"citation to a passage not given", "奖励20万元[7]。", nil, GeneratorRejectedNotice},
		{"no citation", "奖励20万元。", nil, GeneratorRejectedNotice},
		{"gambling brand", "奖励20万元[1]，详见新 萬 博。", nil, GeneratorRejectedNotice},
		{"generator down", "", errors.New("connection refused"), GeneratorUnavailableNotice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &fakeGenerator{generate: func(GenerateRequest) (string, error) { return tc.reply, tc.err }}
			b := newGenBot(t, g)
			var streamed strings.Builder
			ans, err := b.AskStream(context.Background(), Request{Message: question}, func(s string) { streamed.WriteString(s) })
			if err != nil {
				t.Fatal(err)
			}
			if ans.Generated || !ans.Fallback || ans.Replaced {
				t.Fatalf("answer flags generated=%v fallback=%v replaced=%v, want the offline fallback, nothing withdrawn", ans.Generated, ans.Fallback, ans.Replaced)
			}
			if !strings.Contains(ans.Text, "20万元") || strings.Contains(ans.Text, "25万元") || ans.Citations[0].Article != 6 {
				t.Errorf("fallback answer = %q %+v", ans.Text, ans.Citations)
			}
			if streamed.String() != ans.Text {
				t.Errorf("streamed %q, want only the offline answer %q: nothing of a failing first sentence may be shown", streamed.String(), ans.Text)
			}
			if !strings.Contains(ans.Notice, tc.notice) || !strings.Contains(ans.Notice, SampleNotice) {
				t.Errorf("notice = %q, want %q and the sample notice", ans.Notice, tc.notice)
			}
		})
	}
}

// TestCheckedStreaming: sentences are released as they pass the guard; the
// first failing one ends the generated stream, and the offline answer
// follows after a line saying why. The lie is never streamed.
func TestCheckedStreaming(t *testing.T) {
	const good = "首次认定为省级专精特新中小企业的，区里奖励20万元[1]。"
	tests := []struct {
		name, reply string
		wantPrefix  string // what must have been streamed first
		replaced    bool
	}{
		{"all good", good + "由区工信局负责[1]。", good + "由区工信局负责[1]。", false},
		{"second sentence lies", good + "另奖励1亿元[1]。", good, true},
		{"second sentence cites a passage not given", good + "详见[9]。", good, true},
		{"second sentence advertises", good + "访问 xinwanbo.vip 领取。", good, true},
		{"figure before its citation", "区里奖励20万元。[1]由区工信局负责[1]。", "区里奖励20万元。[1]由区工信局负责[1]。", false},
		{"uncited figure never supported", good + "另有补贴30万元。", good, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sentAtLie string
			var streamed strings.Builder
			g := &fakeGenerator{generate: func(GenerateRequest) (string, error) { return tc.reply, nil }}
			b := newGenBot(t, g)
			ans, err := b.AskStream(context.Background(), Request{Message: question}, func(s string) {
				streamed.WriteString(s)
				if sentAtLie == "" && strings.Contains(streamed.String(), "\n\n") {
					sentAtLie = streamed.String()
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			out := streamed.String()
			if !strings.HasPrefix(out, tc.wantPrefix) {
				t.Fatalf("streamed %q, want it to start with %q", out, tc.wantPrefix)
			}
			for _, lie := range []string{"1亿元", "[9]", "xinwanbo", "30万元"} {
				if strings.Contains(out, lie) {
					t.Errorf("streamed %q, which contains the lie %q", out, lie)
				}
			}
			if ans.Replaced != tc.replaced || ans.Generated == tc.replaced {
				t.Fatalf("replaced=%v generated=%v, want replaced=%v", ans.Replaced, ans.Generated, tc.replaced)
			}
			if tc.replaced {
				want := tc.wantPrefix + "\n\n" + GeneratorRejectedNotice + "\n\n" + ans.Text
				if out != want {
					t.Errorf("streamed %q, want %q", out, want)
				}
				if !strings.Contains(ans.Text, "20万元") || ans.Citations[0].Article != 6 {
					t.Errorf("answer after the stop = %q, want the offline answer", ans.Text)
				}
			} else if out != ans.Text {
				t.Errorf("streamed %q, answer %q", out, ans.Text)
			}
		})
	}
}

func TestRefusalDoesNotCallTheModel(t *testing.T) {
	g := &fakeGenerator{generate: func(GenerateRequest) (string, error) { return "奖励100万元[1]", nil }}
	b := newGenBot(t, g)
	ans, err := b.Ask(context.Background(), Request{Message: "个人所得税专项附加扣除在哪里填"})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Refused || len(g.got) != 0 {
		t.Errorf("refused=%v, generator called %d times; want a refusal without a model call", ans.Refused, len(g.got))
	}
}

// TestFollowUpAsksNoModelToRewrite: a follow-up is resolved by the
// offline rules; the model is not asked to rewrite it.
func TestFollowUpAsksNoModelToRewrite(t *testing.T) {
	condensed := 0
	g := &fakeGenerator{
		generate: func(req GenerateRequest) (string, error) { return "每家旅行社每年最高50万元[1]。", nil },
		condense: func(h []convlog.Turn, q string) (string, error) {
			condensed++
			return "旅行社组织游客来吴中过夜的奖励每家最高多少", nil
		},
	}
	b := newGenBot(t, g)
	ctx := context.Background()
	if _, err := b.Ask(ctx, Request{ConversationID: "c", Message: "旅行社组织游客来吴中过夜有什么奖励"}); err != nil {
		t.Fatal(err)
	}
	ans, err := b.Ask(ctx, Request{ConversationID: "c", Message: "那每家最高多少呢"})
	if err != nil {
		t.Fatal(err)
	}
	if condensed != 0 {
		t.Errorf("the model was asked %d times to rewrite a follow-up, want 0", condensed)
	}
	if len(ans.Citations) == 0 || ans.Citations[0].Article != 8 || !strings.Contains(ans.Query, "旅行社") || !strings.Contains(ans.Query, "每家最高") {
		t.Errorf("query %q, citations %+v: want the follow-up joined to the conversation's topic, citing 第8条", ans.Query, ans.Citations)
	}
}

// TestCondensedTopicStaysWithTheCode: a condensed follow-up that names a
// topic neither the conversation nor the message has is not used by
// condense, and a model that rewrites follow-ups changes no reply.
func TestCondensedTopicStaysWithTheCode(t *testing.T) {
	tests := []struct {
		name, first, msg, condensed string
		refused                     bool
	}{
		{"out of scope, rewritten into scope", "首次被认定为国家级专精特新小巨人企业奖励多少？", "人才公寓怎么申请？", "国家级专精特新小巨人企业奖励怎么申请", true},
		{"new topic invented", "首次被认定为国家级专精特新小巨人企业奖励多少？", "人才公寓怎么申请？", "小巨人企业住房补贴怎么申请", true},
		{"follow-up topic from the message kept", "首次被认定为国家级专精特新小巨人企业奖励多少？", "那省级的呢？", "首次被认定为省级专精特新中小企业奖励多少", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &fakeGenerator{
				generate: func(req GenerateRequest) (string, error) { return "奖励20万元[1]。", nil },
				condense: func([]convlog.Turn, string) (string, error) { return tc.condensed, nil },
			}
			b := newGenBot(t, g)
			ctx := context.Background()
			if a, err := b.Ask(ctx, Request{ConversationID: "c", Message: tc.first}); err != nil || a.Refused {
				t.Fatalf("first question: %+v, %v", a, err)
			}
			ans, err := b.Ask(ctx, Request{ConversationID: "c", Message: tc.msg})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Refused != tc.refused {
				t.Errorf("Ask(%q) with condensed %q: refused=%v (%q), want %v", tc.msg, tc.condensed, ans.Refused, ans.Text, tc.refused)
			}
			// The out-of-scope rewrites are exactly those condense refuses.
			history := []convlog.Turn{{Question: tc.first, Resolved: tc.first}}
			if q, ok := b.condense(ctx, history, tc.msg); ok == tc.refused || ok && q != tc.condensed {
				t.Errorf("condense(%q) with the model's %q = %q, %v; want it used: %v", tc.msg, tc.condensed, q, ok, !tc.refused)
			}
		})
	}
}

func TestNewTopic(t *testing.T) {
	conv := []string{"首次被认定为国家级专精特新小巨人企业奖励多少？"}
	for _, tc := range []struct{ condensed, msg, want string }{
		{"首次被认定为省级专精特新中小企业奖励多少", "那省级的呢？", ""},
		{"小巨人企业住房补贴怎么申请", "人才公寓怎么申请？", "住房补贴"},
		{"国家级专精特新小巨人企业奖励怎么申请", "人才公寓怎么申请？", "人才公寓"},
	} {
		if got := newTopic(tc.condensed, tc.msg, conv); got != tc.want {
			t.Errorf("newTopic(%q, %q) = %q, want %q", tc.condensed, tc.msg, got, tc.want)
		}
	}
}

func TestGeneratorTimeoutBoundsTheWait(t *testing.T) {
	g := &fakeGenerator{generate: func(GenerateRequest) (string, error) { return "", nil }}
	slow := slowGenerator{fakeGenerator: g}
	base := newTestBot(t)
	cfg := base.cfg
	cfg.Generator, cfg.GeneratorTimeout = slow, 50*time.Millisecond
	b, _ := New(cfg)
	ans, err := b.Ask(context.Background(), Request{Message: question})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Fallback || !strings.Contains(ans.Text, "20万元") {
		t.Errorf("answer = %+v, want the offline fallback", ans)
	}
}

// slowGenerator blocks until its context ends, as a hung server would.
type slowGenerator struct{ *fakeGenerator }

func (s slowGenerator) Generate(ctx context.Context, _ GenerateRequest) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// TestModelIsolation: while every model slot and the only CPU slot's
// question are waiting on a slow model, a question that needs no model is
// answered (it would wait forever if waiting for the model held the CPU).
func TestModelIsolation(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	g := &fakeGenerator{generate: func(GenerateRequest) (string, error) {
		started <- struct{}{}
		<-release
		return "奖励20万元[1]。", nil
	}}
	base := newTestBot(t)
	cfg := base.cfg
	cfg.Generator, cfg.MaxConcurrent, cfg.MaxGenerations = g, 1, 1
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan Answer, 2)
	for range 2 {
		go func() {
			a, _ := b.Ask(context.Background(), Request{Message: question})
			done <- a
		}()
	}
	<-started // one question holds the model slot, the other waits for it
	for b.ModelStatus().Waiting != 1 {
		runtime.Gosched()
	}
	ans, err := b.Ask(context.Background(), Request{Message: "个人所得税专项附加扣除在哪里填"})
	if err != nil || !ans.Refused {
		t.Fatalf("question needing no model = %+v, %v, want a refusal while the model is busy", ans, err)
	}
	if st := b.ModelStatus(); st.InFlight != 1 || st.Waiting != 1 || st.Capacity != 1 {
		t.Errorf("ModelStatus = %+v, want 1 in flight, 1 waiting, capacity 1", st)
	}
	close(release)
	<-started
	for range 2 {
		if a := <-done; !a.Generated {
			t.Errorf("answer = %+v, want the generated one", a)
		}
	}
}

// TestQuestionDeadlineCoversTheWaitForASlot: a question that finds no free
// model slot before its deadline is answered offline.
func TestQuestionDeadlineCoversTheWaitForASlot(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	g := &fakeGenerator{generate: func(GenerateRequest) (string, error) { <-release; return "", errors.New("late") }}
	base := newTestBot(t)
	cfg := base.cfg
	cfg.Generator, cfg.MaxGenerations, cfg.GeneratorTimeout = g, 1, 20*time.Millisecond
	b, _ := New(cfg)
	go b.Ask(context.Background(), Request{Message: question}) //nolint:errcheck // holds the only slot
	for b.ModelStatus().InFlight != 1 {
		runtime.Gosched()
	}
	ans, err := b.Ask(context.Background(), Request{Message: question})
	if err != nil || !ans.Fallback || !strings.Contains(ans.Notice, GeneratorUnavailableNotice) {
		t.Fatalf("answer = %+v, %v, want the offline answer with the unavailable notice", ans, err)
	}
	if st := b.ModelStatus(); st.Busy != 1 {
		t.Errorf("ModelStatus().Busy = %d, want 1", st.Busy)
	}
}

func TestCircuitBreaker(t *testing.T) {
	fail := true
	calls := 0
	g := &fakeGenerator{generate: func(GenerateRequest) (string, error) {
		calls++
		if fail {
			return "", errors.New("HTTP 503")
		}
		return "奖励20万元[1]。", nil
	}}
	base := newTestBot(t)
	cfg := base.cfg
	cfg.Generator, cfg.BreakerFailures, cfg.BreakerCooldown = g, 3, 30*time.Millisecond
	b, _ := New(cfg)
	ctx := context.Background()
	for i := range 3 {
		if a, _ := b.Ask(ctx, Request{Message: question}); !a.Fallback {
			t.Fatalf("answer %d = %+v, want the offline fallback", i, a)
		}
	}
	st := b.ModelStatus()
	if st.Breaker != "open" || st.Opened != 1 || st.OpenUntil.IsZero() {
		t.Fatalf("after 3 failures ModelStatus = %+v, want the breaker open", st)
	}
	a, _ := b.Ask(ctx, Request{Message: question})
	if calls != 3 || !a.Fallback || !strings.Contains(a.Notice, GeneratorUnavailableNotice) || b.ModelStatus().ShortCircuited != 1 {
		t.Fatalf("with the breaker open: %d calls, answer %+v, status %+v; want an offline answer without a call", calls, a, b.ModelStatus())
	}
	fail = false
	for b.ModelStatus().Breaker == "open" {
		time.Sleep(5 * time.Millisecond) // the cool-down
	}
	if a, _ := b.Ask(ctx, Request{Message: question}); !a.Generated || calls != 4 {
		t.Fatalf("after the cool-down: answer %+v, %d calls; want the probe to go through", a, calls)
	}
	if st := b.ModelStatus(); st.Breaker != "closed" || st.ConsecutiveFailures != 0 {
		t.Errorf("after a successful probe ModelStatus = %+v, want closed", st)
	}
}

// TestClientHistory: the history a client sends is the conversation, so a
// follow-up works with no stored turns.
func TestClientHistory(t *testing.T) {
	b := newTestBot(t)
	h := []convlog.Turn{{Question: "首次被认定为国家级专精特新小巨人企业奖励多少？"}}
	ans, err := b.Ask(context.Background(), Request{ConversationID: "fresh", Message: "那省级的呢？", History: h})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Refused || ans.Mode == ModeClarify || len(ans.Citations) == 0 || !strings.Contains(ans.Query, "专精特新") {
		t.Fatalf("follow-up with client history = %+v, want an answer about 专精特新", ans)
	}
	ans, err = b.Ask(context.Background(), Request{ConversationID: "fresh2", Message: "那省级的呢？", History: []convlog.Turn{}})
	if err != nil || ans.Mode != ModeClarify {
		t.Fatalf("follow-up with an empty client history = %+v, %v, want a clarifying question", ans, err)
	}
}

// judgingGenerator is a fakeGenerator that also judges.
type judgingGenerator struct {
	*fakeGenerator
	judge func(JudgeRequest) (bool, int, error)
}

func (j judgingGenerator) Judge(_ context.Context, req JudgeRequest) (bool, int, error) {
	return j.judge(req)
}

func TestJudgeHedge(t *testing.T) {
	hits, err := newTestBot(t).cfg.Index.Search(context.Background(), retrieval.Query{Text: question, K: 5})
	if err != nil || len(hits) < 3 {
		t.Fatalf("search: %v, %d hits", err, len(hits))
	}
	tests := []struct {
		name    string
		gen     Generator
		want    Coverage
		wantHit int
	}{
		{"covered by passage 2", judgingGenerator{&fakeGenerator{}, func(JudgeRequest) (bool, int, error) { return true, 2, nil }}, Covered, 1},
		{"not covered", judgingGenerator{&fakeGenerator{}, func(JudgeRequest) (bool, int, error) { return false, 0, nil }}, NotCovered, 0},
		{"a passage not given", judgingGenerator{&fakeGenerator{}, func(JudgeRequest) (bool, int, error) { return true, 9, nil }}, CoverageUnknown, 0},
		{"model down", judgingGenerator{&fakeGenerator{}, func(JudgeRequest) (bool, int, error) { return false, 0, errors.New("503") }}, CoverageUnknown, 0},
		{"generator that cannot judge", &fakeGenerator{}, CoverageUnknown, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newGenBot(t, tc.gen)
			got, i := b.judgeHedge(context.Background(), question, nil, hits)
			if got != tc.want || i != tc.wantHit {
				t.Errorf("judgeHedge = %v, %d, want %v, %d", got, i, tc.want, tc.wantHit)
			}
		})
	}
}

// TestHedgeDecidedByTheModel: in the hedge band (文创产品有支持吗: the
// offline bot offers possibly related clauses), a judging model decides
// from the passages in ranked order. Covered: an answer from the judged
// article, written by the model and checked; not covered: the refusal;
// no verdict: the offline hedge. A clear answer or refusal is never
// judged.
func TestHedgeDecidedByTheModel(t *testing.T) {
	const doubtful = "文创产品有支持吗"
	offline := ask(t, newTestBot(t), "", doubtful)
	if offline.Mode != ModeHedge || len(offline.Citations) < 2 {
		t.Fatalf("offline reply to %q = %s %+v, want a hedge of several clauses (the test relies on it)", doubtful, offline.Mode, offline.Citations)
	}
	// The judged passage is the second of the ranked ones, so that an
	// answer from it is not the offline ranking's first.
	second := offline.Retrieved[1].Chunk
	if offline.Retrieved[0].Chunk.Article == second.Article && offline.Retrieved[0].Chunk.DocID == second.DocID {
		t.Fatalf("the first two ranked passages are of one article: %+v", offline.Retrieved[:2])
	}
	const written = "文化企业首次纳入规模以上统计的，奖励10万元[2]。"
	if !strings.Contains(second.Text, "10万元") {
		t.Fatalf("passage 2 is %s 第%d条 %q; the test's model answer needs its 10万元", second.DocID, second.Article, second.Text)
	}
	tests := []struct {
		name     string
		verdict  func() (bool, int, error)
		write    func() (string, error)
		mode     Mode
		cites    int // article cited first, 0 for none
		written  bool
		contains string
	}{
		{"covered, the model writes", func() (bool, int, error) { return true, 2, nil }, func() (string, error) { return written, nil },
			ModeAnswer, second.Article, true, "10万元"},
		{"covered, the writer fails: the answer composed from that article", func() (bool, int, error) { return true, 2, nil },
			func() (string, error) { return "", errors.New("HTTP 503") }, ModeAnswer, second.Article, false, "10万元"},
		{"not covered", func() (bool, int, error) { return false, 0, nil }, nil, ModeRefuse, 0, false, "12345"},
		{"no verdict", func() (bool, int, error) { return false, 0, errors.New("not a verdict") }, nil, ModeHedge, offline.Citations[0].Article, false, ""},
		{"a passage that was not given", func() (bool, int, error) { return true, 7, nil }, nil, ModeHedge, offline.Citations[0].Article, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var judged []JudgeRequest
			g := &fakeGenerator{generate: func(GenerateRequest) (string, error) {
				if tc.write == nil {
					t.Error("the model was asked to write a reply that is not an answer")
					return "", errors.New("not expected")
				}
				return tc.write()
			}}
			b := newGenBot(t, judgingGenerator{g, func(req JudgeRequest) (bool, int, error) {
				judged = append(judged, req)
				return tc.verdict()
			}})
			ans := ask(t, b, "", doubtful)
			if len(judged) != 1 || len(judged[0].Passages) < 2 || judged[0].Question != doubtful ||
				judged[0].Passages[1].Citation.Doc != second.DocID || judged[0].Passages[1].Citation.Article != second.Article {
				t.Fatalf("judge asked %+v, want once, with the passages in ranked order", judged)
			}
			if ans.Mode != tc.mode || ans.Generated != tc.written || ans.Refused != (tc.mode == ModeRefuse) {
				t.Fatalf("reply = %s generated=%v refused=%v %q, want %s generated=%v", ans.Mode, ans.Generated, ans.Refused, ans.Text, tc.mode, tc.written)
			}
			switch {
			case tc.cites == 0 && len(ans.Citations) != 0:
				t.Errorf("a %s reply cites %+v", ans.Mode, ans.Citations)
			case tc.cites != 0 && (len(ans.Citations) == 0 || ans.Citations[0].Article != tc.cites):
				t.Errorf("reply cites %+v, want 第%d条 first", ans.Citations, tc.cites)
			}
			if tc.mode == ModeAnswer && (ans.Citations[0].Doc != second.DocID || strings.Contains(ans.Text, "200万元")) {
				t.Errorf("answer %q cites %+v, want only %s 第%d条", ans.Text, ans.Citations, second.DocID, second.Article)
			}
			if !strings.Contains(ans.Text, tc.contains) {
				t.Errorf("reply %q lacks %q", ans.Text, tc.contains)
			}
			if tc.mode == ModeHedge && ans.Text != offline.Text {
				t.Errorf("hedge without a verdict = %q, want the offline one %q", ans.Text, offline.Text)
			}
			if (tc.mode == ModeRefuse) != (ans.Topic == "") {
				t.Errorf("topic %q for a %s reply", ans.Topic, ans.Mode)
			}
		})
	}
	t.Run("a clear answer or refusal is not judged", func(t *testing.T) {
		judged := 0
		g := &fakeGenerator{generate: func(GenerateRequest) (string, error) { return "", errors.New("down") }}
		b := newGenBot(t, judgingGenerator{g, func(JudgeRequest) (bool, int, error) { judged++; return false, 0, nil }})
		if a := ask(t, b, "", question); a.Mode != ModeAnswer {
			t.Errorf("clear answer = %s %q", a.Mode, a.Text)
		}
		if a := ask(t, b, "", "吴中这周末天气怎么样"); a.Mode != ModeRefuse {
			t.Errorf("clear refusal = %s %q", a.Mode, a.Text)
		}
		if judged != 0 {
			t.Errorf("the model judged %d clear questions, want 0", judged)
		}
	})
}

// TestCallModelLendsTheCPUSlot: a question holds no CPU slot while it
// waits for the model, and holds one again after, for the work that
// follows (composing from a judged article, the guard's last check).
func TestCallModelLendsTheCPUSlot(t *testing.T) {
	base := newTestBot(t)
	cfg := base.cfg
	cfg.Generator, cfg.MaxConcurrent = &fakeGenerator{}, 1
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, release, err := b.enterCPU(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	during := -1
	if err := b.callModel(ctx, func(context.Context) error { during = len(b.lim.cpu); return nil }); err != nil {
		t.Fatal(err)
	}
	if during != 0 || len(b.lim.cpu) != 1 {
		t.Errorf("CPU slots in use: %d during the model call, %d after; want 0 and 1", during, len(b.lim.cpu))
	}
	release()
	if len(b.lim.cpu) != 0 {
		t.Errorf("CPU slots in use after the question: %d", len(b.lim.cpu))
	}
}
