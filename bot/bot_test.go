package bot

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"policybot/bot/convlog"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/retrieval"
)

var (
	indexOnce sync.Once
	testIndex *retrieval.Index
	indexErr  error
)

// newTestBot returns a bot over the bundled corpus with an in-memory index.
func newTestBot(tb testing.TB) *Bot {
	tb.Helper()
	indexOnce.Do(func() {
		c, err := policies.Bundled()
		if err != nil {
			indexErr = err
			return
		}
		testIndex, indexErr = retrieval.Open(context.Background(), c.Docs, retrieval.Options{})
	})
	if indexErr != nil {
		tb.Fatal(indexErr)
	}
	b, err := New(Config{
		Index:   testIndex,
		Contact: "区政务服务热线 12345",
		Now:     func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func ask(tb testing.TB, b *Bot, conv, q string) Answer {
	tb.Helper()
	ans, err := b.Ask(context.Background(), Request{ConversationID: conv, Message: q})
	if err != nil {
		tb.Fatalf("Ask(%q): %v", q, err)
	}
	return ans
}

func TestAnswerCitesAndQuotes(t *testing.T) {
	b := newTestBot(t)
	tests := []struct {
		q       string
		doc     string
		article int
		want    string
	}{
		// Phrasings that are not in the eval set.
		{"专精特新小巨人第一次认定下来，区里给多少奖励", "wz-mfg-2025", 6, "50万元"},
		{"企业去国外参展，展位费怎么补？", "wz-com-2025", 4, "70%"},
		{"旅游民宿评上乙级有钱吗", "wz-cst-2025", 4, "10万元"},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			ans := ask(t, b, "", tc.q)
			if ans.Refused {
				t.Fatalf("Ask(%q) refused: %s", tc.q, ans.Text)
			}
			if len(ans.Citations) == 0 || ans.Citations[0].Doc != tc.doc || ans.Citations[0].Article != tc.article {
				t.Fatalf("Ask(%q) citations = %+v, want %s 第%d条", tc.q, ans.Citations, tc.doc, tc.article)
			}
			c := ans.Citations[0]
			if !strings.Contains(ans.Text, tc.want) || !strings.Contains(c.Quote, tc.want) {
				t.Errorf("Ask(%q) = %q, want it to quote %q", tc.q, ans.Text, tc.want)
			}
			if c.Department == "" || c.Title == "" {
				t.Errorf("citation lacks title or department: %+v", c)
			}
			if !c.Sample || ans.Notice != SampleNotice {
				t.Errorf("sample document cited without the sample notice: %+v, notice %q", c, ans.Notice)
			}
		})
	}
}

// Every quote must be verbatim text of the cited article.
func TestQuotesAreVerbatim(t *testing.T) {
	b := newTestBot(t)
	c, _ := policies.Bundled()
	text := map[string]string{}
	for _, d := range c.Docs {
		for _, a := range d.Articles {
			text[d.ID+"#"+d.Label(a.Number)] = a.Text
		}
	}
	for _, q := range []string{"海外仓面积要多大", "省级企业技术中心奖多少", "夜间文旅消费集聚区国家级奖励", "外资到账奖励比例"} {
		ans := ask(t, b, "", q)
		for _, ci := range ans.Citations {
			art := text[ci.Doc+"#"+ci.Label]
			for _, part := range strings.Split(strings.TrimSuffix(ci.Quote, "……"), "……") {
				if !strings.Contains(art, part) {
					t.Errorf("Ask(%q) quote %q is not in %s %s: %q", q, part, ci.Doc, ci.Label, art)
				}
			}
		}
	}
}

func TestRefusesOutOfScope(t *testing.T) {
	b := newTestBot(t)
	for _, q := range []string{
		"增值税留抵退税怎么办理？",
		"北京中关村的孵化器补贴怎么申请",
		"公积金贷款额度是多少",
		"明天会下雨吗",
		"How do I register a trademark in China?",
		"独角兽企业有什么奖励",
		// The context is covered, what is asked for is not.
		"智改数转项目的验收专家都有谁",
		"东山景区附近好玩的农家乐推荐",
		"智改数转的吴中区评审专家都有谁",
	} {
		t.Run(q, func(t *testing.T) {
			ans := ask(t, b, "", q)
			if !ans.Refused {
				t.Fatalf("Ask(%q) answered %q citing %+v, want a refusal", q, ans.Text, ans.Citations)
			}
			if len(ans.Citations) != 0 {
				t.Errorf("a refusal carries citations: %+v", ans.Citations)
			}
			switch ans.Mode {
			case ModeRoute:
				if ans.RouteTo == "" || !strings.Contains(ans.Text, ans.RouteTo) {
					t.Errorf("route %q does not name the department (RouteTo %q)", ans.Text, ans.RouteTo)
				}
			case ModeRefuse:
				if !strings.Contains(ans.Text, "12345") {
					t.Errorf("refusal %q does not say who to ask", ans.Text)
				}
			default:
				t.Errorf("mode %q, want route or refuse", ans.Mode)
			}
		})
	}
}

func TestFollowUpUsesPreviousTurn(t *testing.T) {
	b := newTestBot(t)
	first := ask(t, b, "conv-1", "新评定为四星级旅游饭店的奖励是多少")
	if first.Refused || !strings.Contains(first.Text, "80万元") {
		t.Fatalf("first turn = %q", first.Text)
	}
	second := ask(t, b, "conv-1", "那甲级民宿呢？")
	if second.Refused || second.Citations[0].Doc != "wz-cst-2025" || second.Citations[0].Article != 4 || !strings.Contains(second.Text, "30万元") {
		t.Fatalf("follow-up = %q %+v, want 第4条 with 30万元", second.Text, second.Citations)
	}
	// The same elliptical question in a new conversation has nothing to lean
	// on: the bot asks what it is about instead of guessing.
	alone := ask(t, b, "conv-2", "那甲级的呢？")
	if alone.Mode != ModeClarify || len(alone.Citations) != 0 || len(alone.Choices) == 0 || !strings.Contains(alone.Text, "请问") {
		t.Errorf("an elliptical question without history answered: %q (mode %s)", alone.Text, alone.Mode)
	}
}

func TestEnglishQuestion(t *testing.T) {
	b := newTestBot(t)
	ans := ask(t, b, "", "What is the subsidy for booth fees at overseas trade shows?")
	if ans.Refused || ans.Citations[0].Doc != "wz-com-2025" || ans.Citations[0].Article != 4 {
		t.Fatalf("answer = %q %+v", ans.Text, ans.Citations)
	}
	if !strings.HasPrefix(ans.Text, "According to") {
		t.Errorf("English question answered without an English lead: %q", ans.Text)
	}
}

func TestInvalidRequests(t *testing.T) {
	b := newTestBot(t)
	for _, tc := range []struct {
		msg  string
		kind fault.Kind
		code string
	}{
		{"", fault.Invalid, CodeEmptyMessage},
		{"   ", fault.Invalid, CodeEmptyMessage},
		{"小巨人\xff奖励", fault.Invalid, CodeNotUTF8},
		{strings.Repeat("奖", MaxMessageRunes+1), fault.TooLarge, CodeMessageTooLong},
	} {
		_, err := b.Ask(context.Background(), Request{Message: tc.msg})
		if fe := fault.As(err); fe == nil || fe.Kind != tc.kind || fe.Code != tc.code || fe.Msg.En == "" || fe.Msg.Zh == "" {
			t.Errorf("Ask(%d bytes) error = %v, want a %s refusal %q with its message", len(tc.msg), err, tc.kind, tc.code)
		}
		if _, cerr := CheckMessage(tc.msg); fault.CodeOf(cerr) != tc.code {
			t.Errorf("CheckMessage(%d bytes) = %v, want %q", len(tc.msg), cerr, tc.code)
		}
	}
	if got, err := CheckMessage("  小巨人奖励多少？\n"); got != "小巨人奖励多少？" || err != nil {
		t.Errorf("CheckMessage = %q, %v; want the trimmed message", got, err)
	}
	if _, err := CheckMessage(strings.Repeat("奖", MaxMessageRunes)); err != nil {
		t.Errorf("CheckMessage(%d characters) = %v, want nil", MaxMessageRunes, err)
	}
}

// fakeSearcher returns fixed hits (for paths the real corpus cannot reach).
type fakeSearcher struct {
	hits []retrieval.Hit
	err  error
}

func (f fakeSearcher) Search(context.Context, retrieval.Query) ([]retrieval.Hit, error) {
	return f.hits, f.err
}

func TestSpamInAPassageNeverReachesTheAnswer(t *testing.T) {
	spam := retrieval.Chunk{ID: "x#1", DocID: "x", DocTitle: "关于促进制造业发展的措施", Article: 1, Label: "第1条",
		Text: "首次认定为国家级专精特新小巨人企业的，奖励50万元，详见新万博体育官网。"}
	b, err := New(Config{Index: fakeSearcher{hits: []retrieval.Hit{{Chunk: spam, Score: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	ans := ask(t, b, "", "首次认定为国家级专精特新小巨人企业奖励多少")
	if !ans.Refused || strings.Contains(ans.Text, "新万博") {
		t.Fatalf("answer = %q, want the spam blocked", ans.Text)
	}
}

func TestSearchErrorIsReturned(t *testing.T) {
	b, _ := New(Config{Index: fakeSearcher{err: errors.New("disk gone")}})
	if _, err := b.Ask(context.Background(), Request{Message: "小巨人奖励"}); err == nil {
		t.Fatal("search error swallowed")
	}
}

func TestAskStreamDeliversTheText(t *testing.T) {
	b := newTestBot(t)
	var got strings.Builder
	ans, err := b.AskStream(context.Background(), Request{Message: "出口信用保险保费补助比例"}, func(s string) { got.WriteString(s) })
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != ans.Text {
		t.Errorf("streamed %q, answer %q", got.String(), ans.Text)
	}
}

// TestAnswerMessage: every channel records an answer through
// Answer.Message, which fills every field of the log's Message but its
// feedback.
func TestAnswerMessage(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a := Answer{ConversationID: "c1", Text: "奖励100万元。", Refused: true, Notice: SampleNotice, Generated: true, Replaced: true,
		Citations: []convlog.Citation{{Doc: "wz-mfg-2025", Article: 5, Label: "第五条", Title: "制造业", Department: "区工信局", Quote: "…", Sample: true}}}
	got := a.Message("m1", convlog.ChannelSlack, "小巨人奖励多少", 3*time.Second, at)
	want := convlog.Message{ID: "m1", ConversationID: "c1", Channel: convlog.ChannelSlack, Question: "小巨人奖励多少", Answer: a.Text,
		Refused: true, Notice: SampleNotice, Generated: true, Replaced: true, Citations: a.Citations, Latency: 3 * time.Second, CreatedAt: at}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Message() =\n%+v\nwant\n%+v", got, want)
	}
	v := reflect.ValueOf(got)
	for i := range v.NumField() {
		if name := v.Type().Field(i).Name; name != "Feedback" && v.Field(i).IsZero() {
			t.Errorf("Message() leaves %s unset: map it from the Answer", name)
		}
	}
}
