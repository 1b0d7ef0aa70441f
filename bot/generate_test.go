package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeGenerator answers with function fields, recording what it was given.
type fakeGenerator struct {
	generate func(GenerateRequest) (string, error)
	condense func([]Turn, string) (string, error)
	got      []GenerateRequest
}

func (f *fakeGenerator) Generate(ctx context.Context, req GenerateRequest) (string, error) {
	f.got = append(f.got, req)
	out, err := f.generate(req)
	if err == nil && req.OnToken != nil {
		for _, r := range out {
			req.OnToken(string(r))
		}
	}
	return out, err
}

func (f *fakeGenerator) Condense(_ context.Context, h []Turn, q string) (string, error) {
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
	cfg.Conversations = NewMemoryConversations(10)
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
		name     string
		reply    string
		err      error
		replaced bool
		notice   string
	}{
		{"invented figure", "省级专精特新中小企业奖励25万元[1]。", nil, true, SampleNotice},
		{"citation to a passage not given", "奖励20万元[7]。", nil, true, SampleNotice},
		{"no citation", "奖励20万元。", nil, true, SampleNotice},
		{"generator down", "", errors.New("connection refused"), false, GeneratorUnavailableNotice},
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
			if ans.Generated || !ans.Fallback || ans.Replaced != tc.replaced {
				t.Fatalf("answer flags generated=%v fallback=%v replaced=%v, want offline fallback (replaced %v)", ans.Generated, ans.Fallback, ans.Replaced, tc.replaced)
			}
			if !strings.Contains(ans.Text, "20万元") || strings.Contains(ans.Text, "25万元") || ans.Citations[0].Article != 6 {
				t.Errorf("fallback answer = %q %+v", ans.Text, ans.Citations)
			}
			if !strings.Contains(ans.Notice, tc.notice) {
				t.Errorf("notice = %q, want %q", ans.Notice, tc.notice)
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

func TestCondensedFollowUp(t *testing.T) {
	var gotHistory []Turn
	g := &fakeGenerator{
		generate: func(req GenerateRequest) (string, error) { return "按每人次10元奖励[1]。", nil },
		condense: func(h []Turn, q string) (string, error) {
			gotHistory = h
			return "旅行社组织过夜游客奖励怎么算", nil
		},
	}
	b := newGenBot(t, g)
	ctx := context.Background()
	if _, err := b.Ask(ctx, Request{ConversationID: "c", Message: "夜间文旅消费集聚区国家级奖励多少"}); err != nil {
		t.Fatal(err)
	}
	ans, err := b.Ask(ctx, Request{ConversationID: "c", Message: "那旅行社呢"})
	if err != nil {
		t.Fatal(err)
	}
	if len(gotHistory) != 1 || ans.Citations[0].Article != 8 {
		t.Errorf("history %+v, citations %+v: want the condensed question to find 第8条", gotHistory, ans.Citations)
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
